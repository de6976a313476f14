import NIOCore
import NIOTLS

/// Sits right after the TLS handler and completes `promise` when the
/// handshake has finished, or fails it with the handshake's error.
///
/// Without it, a STARTTLS whose handshake fails (an untrusted certificate,
/// say) surfaces as "I/O on closed channel" on the next command, and the
/// operator never learns that TLS was the problem.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private var completed = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { complete(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(SMTPError.connectionClosed(stage: "during the TLS handshake")))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        complete(.failure(SMTPError.connectionClosed(stage: "during the TLS handshake")))
    }

    /// The first outcome wins; later events are the same failure told again.
    private func complete(_ result: Result<Void, any Error>) {
        guard !completed else { return }
        completed = true
        promise.completeWith(result)
    }
}
