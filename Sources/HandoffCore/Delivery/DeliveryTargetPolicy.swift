import Foundation

/// Where a tenant-supplied webhook or Slack URL may point.
///
/// A tenant controls the URL, so without this check our dispatcher is a
/// request forger into our own network: the cloud metadata service at
/// 169.254.169.254, the database on loopback, neighbours on 10/8. The check
/// runs twice: on the URL (scheme, host, a literal IP) before resolving, and on
/// every address the host resolved to, right before connecting, so a name
/// that resolves to a private address, or to one public and one private
/// address, is refused as well. `allowPrivate` (HANDOFF_WEBHOOK_ALLOW_PRIVATE)
/// lifts the range checks for tests and development.
public struct DeliveryTargetPolicy: Sendable, Equatable {
    public var allowPrivate: Bool

    public init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }

    /// Scheme, host and port of a URL that passed the first check.
    public struct Target: Sendable, Equatable {
        public var scheme: String
        /// Without IPv6 brackets or a trailing dot; lowercase.
        public var host: String
        public var port: Int
        /// Set when the host is an IP literal: nothing to resolve.
        public var literalAddress: IPAddress?
    }

    /// The URL alone: scheme, host, and the host itself when it is an IP literal.
    public func check(url text: String) -> Result<Target, DeliveryTargetRefusal> {
        guard let components = URLComponents(string: text), let rawScheme = components.scheme else {
            return .failure(.init(reason: "'\(text)' is not an absolute URL"))
        }
        let scheme = rawScheme.lowercased()
        switch scheme {
        case "https":
            break
        case "http" where allowPrivate:
            break
        case "http":
            return .failure(.init(reason: "http is not allowed; use an https URL"))
        default:
            return .failure(.init(reason: "scheme '\(scheme)' is not allowed; use an https URL"))
        }
        guard var host = components.host, !host.isEmpty else {
            return .failure(.init(reason: "the URL has no host"))
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host = String(host.dropLast()) }
        host = host.lowercased()
        guard !host.isEmpty else { return .failure(.init(reason: "the URL has no host")) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else {
            return .failure(.init(reason: "port \(port) is out of range"))
        }

        if let address = IPAddress(host) {
            if let refusal = check(address: address) { return .failure(refusal) }
            return .success(Target(scheme: scheme, host: host, port: port, literalAddress: address))
        }
        // The system resolver reads `2130706433`, `0x7f.1` or `127.1` as
        // 127.0.0.1; no real host name has an all-numeric last label, so such
        // spellings are refused rather than left to the resolver's reading.
        if Self.looksNumeric(host) {
            return .failure(.init(reason: "host '\(host)' is not a valid name or dotted-quad IP address"))
        }
        if host == "localhost" || host.hasSuffix(".localhost"), !allowPrivate {
            return .failure(.init(reason: "host '\(host)' is loopback"))
        }
        return .success(Target(scheme: scheme, host: host, port: port, literalAddress: nil))
    }

    /// The URL and every address its host resolved to.
    public func check(url text: String, resolvedAddresses: [String]) -> Result<Target, DeliveryTargetRefusal> {
        let target: Target
        switch check(url: text) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let checked): target = checked
        }
        if target.literalAddress != nil { return .success(target) }
        guard !resolvedAddresses.isEmpty else {
            return .failure(.init(reason: "host '\(target.host)' resolved to no address"))
        }
        for text in resolvedAddresses {
            guard let address = IPAddress(text) else {
                return .failure(.init(reason: "host '\(target.host)' resolved to '\(text)', which is not an IP address"))
            }
            if let refusal = check(address: address) {
                return .failure(.init(reason: "host '\(target.host)' resolves to \(text): \(refusal.reason)"))
            }
        }
        return .success(target)
    }

    /// Nil when the address may be connected to.
    public func check(address: IPAddress) -> DeliveryTargetRefusal? {
        let range = address.range
        switch range {
        case .global:
            return nil
        case .multicast, .broadcast, .reserved:
            // Not a single host: no HTTP server is there, whatever the setting.
            return DeliveryTargetRefusal(reason: "\(address) is a \(range.rawValue) address")
        case .loopback, .private, .linkLocal, .unspecified, .sharedCGNAT:
            if allowPrivate { return nil }
            return DeliveryTargetRefusal(
                reason: "\(address) is a \(range.rawValue) address; only public addresses are allowed"
            )
        }
    }

    static func looksNumeric(_ host: String) -> Bool {
        guard let last = host.split(separator: ".", omittingEmptySubsequences: false).last else { return false }
        if last.allSatisfy(\.isNumber) { return true }
        let lower = last.lowercased()
        return lower.hasPrefix("0x") && lower.dropFirst(2).allSatisfy(\.isHexDigit)
    }
}

/// Why a delivery target was refused, in words for the delivery's error.
public struct DeliveryTargetRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "delivery target refused: \(reason)" }
}

/// An IPv4 or IPv6 address parsed from text, strictly: dotted quads without
/// leading zeros (which some parsers read as octal), IPv6 with `::` and an
/// optional IPv4 tail; an IPv6 zone (`%eth0`) is ignored.
public enum IPAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    case v4([UInt8])
    case v6([UInt8])

    public enum Range: String, Sendable {
        case global = "public"
        case loopback
        case `private` = "private"
        case linkLocal = "link-local"
        case unspecified
        case sharedCGNAT = "carrier-grade NAT"
        case multicast
        case broadcast
        case reserved
    }

    public init?(_ text: String) {
        if let bytes = Self.parseV4(Substring(text)) {
            self = .v4(bytes)
        } else if let bytes = Self.parseV6(text) {
            self = .v6(bytes)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let bytes):
            return bytes.map(String.init).joined(separator: ".")
        case .v6(let bytes):
            return stride(from: 0, to: 16, by: 2)
                .map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
    }

    /// The special-purpose range the address belongs to (RFC 6890 and
    /// friends), looking through IPv6 forms that carry an IPv4 address
    /// (mapped, compatible, NAT64, 6to4): otherwise `::ffff:127.0.0.1` would
    /// reach loopback past a check that only knows `::1`.
    public var range: Range {
        switch self {
        case .v4(let bytes):
            return Self.rangeV4(bytes)
        case .v6(let bytes):
            return Self.rangeV6(bytes)
        }
    }

    private static func rangeV4(_ b: [UInt8]) -> Range {
        switch (b[0], b[1]) {
        case (0, _): return b == [0, 0, 0, 0] ? .unspecified : .reserved  // "this network"
        case (10, _): return .private
        case (100, 64...127): return .sharedCGNAT
        case (127, _): return .loopback
        case (169, 254): return .linkLocal  // includes the metadata service 169.254.169.254
        case (172, 16...31): return .private
        case (192, 168): return .private
        case (192, 0) where b[2] == 0: return .reserved  // IETF protocol assignments
        case (198, 18...19): return .reserved  // benchmarking
        case (224...239, _): return .multicast
        case (255, 255) where b[2] == 255 && b[3] == 255: return .broadcast
        case (240...255, _): return .reserved
        default: return .global
        }
    }

    private static func rangeV6(_ b: [UInt8]) -> Range {
        let zeros10 = b[0..<10].allSatisfy { $0 == 0 }
        let tail = Array(b[12..<16])
        if zeros10, b[10] == 0xFF, b[11] == 0xFF { return rangeV4(tail) }  // ::ffff:a.b.c.d mapped
        if b[0..<15].allSatisfy({ $0 == 0 }) {
            return b[15] == 0 ? .unspecified : (b[15] == 1 ? .loopback : .reserved)
        }
        if zeros10, b[10] == 0, b[11] == 0 { return rangeV4(tail) }  // ::a.b.c.d, deprecated "compatible"
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0][...] { return rangeV4(tail) }  // NAT64 64:ff9b::/96
        if b[0] == 0x20, b[1] == 0x02 { return rangeV4(Array(b[2..<6])) }  // 6to4 2002::/16
        if b[0] & 0xFE == 0xFC { return .private }  // fc00::/7 unique local
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
        if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return .private }  // fec0::/10, deprecated site-local
        if b[0] == 0xFF { return .multicast }
        return .global
    }

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            if part.count > 1, part.first == "0" { return nil }
            guard let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ text: String) -> [UInt8]? {
        var address = Substring(text)
        if let percent = address.firstIndex(of: "%") { address = address[..<percent] }
        guard address.contains(":") else { return nil }

        let halves = address.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = groups(Substring(halves[0]), allowIPv4Tail: halves.count == 1) else { return nil }
        var tail: [UInt16] = []
        if halves.count == 2 {
            guard let parsed = groups(Substring(halves[1]), allowIPv4Tail: true) else { return nil }
            tail = parsed
        }
        let missing = 8 - head.count - tail.count
        let words: [UInt16]
        if halves.count == 2 {
            guard missing >= 1 else { return nil }
            words = head + Array(repeating: 0, count: missing) + tail
        } else {
            guard missing == 0 else { return nil }
            words = head
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Colon-separated hex groups, the last of which may be a dotted quad.
    private static func groups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var words: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(".") {
                guard let v4 = parseV4(part) else { return nil }
                words.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                words.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit), let word = UInt16(part, radix: 16) else {
                return nil
            }
            words.append(word)
        }
        return words
    }
}
