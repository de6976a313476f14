import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the peer's address, which the limit on
/// unauthenticated requests (`AddressRateLimiter`) is keyed by.
public struct HandoffRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
