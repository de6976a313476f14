import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into the addresses a connection to it could reach, so
/// the delivery target policy can look at every one of them before we connect.
public protocol HostResolver: Sendable {
    /// Every IPv4 and IPv6 address of `host`, as text; throws when the name
    /// does not resolve.
    func addresses(of host: String, port: Int) async throws -> [String]
}

/// The system resolver (`getaddrinfo`), the one the HTTP client will use,
/// run on NIO's blocking thread pool so no event loop or task thread waits on DNS.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func addresses(of host: String, port: Int) async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive {
            try Self.resolve(host: host, port: port)
        }
    }

    static func resolve(host: String, port: Int) throws -> [String] {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw HostResolutionError(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let raw = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
                    if let text = address.ipAddress { addresses.append(text) }
                case AF_INET6:
                    let address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) }
                    if let text = address.ipAddress { addresses.append(text) }
                default:
                    break
                }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<String>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

public struct HostResolutionError: Error, Sendable, CustomStringConvertible {
    public var host: String
    public var reason: String

    public var description: String { "could not resolve host '\(host)': \(reason)" }
}
