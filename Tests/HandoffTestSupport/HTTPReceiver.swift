import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 (a port the kernel picks) standing in for
/// a tenant's webhook endpoint or Slack: it records every request and answers
/// as the test says — a status, after a delay, or never.
final class HTTPReceiver: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        /// The first value of a header, by case-insensitive name.
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// Names lowercased, for `WebhookVerifier`.
        var headerDictionary: [String: String] {
            var result: [String: String] = [:]
            for (name, value) in headers where result[name.lowercased()] == nil { result[name.lowercased()] = value }
            return result
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    indirect enum Reply: Sendable {
        case status(Int, body: String = "", headers: [(String, String)] = [])
        case after(Duration, Reply)
        /// Read the request, never answer, keep the connection open.
        case never
        /// Read the request, then close the connection without answering.
        case close
    }

    /// Decides the answer from the request and how many came before it.
    typealias Responder = @Sendable (Request, Int) -> Reply

    final class Recorder: Sendable {
        private struct State {
            var requests: [Request] = []
            var connections: [any Channel] = []
        }

        private let state = NIOLockedValueBox(State())
        let responder: Responder

        init(_ responder: @escaping Responder) {
            self.responder = responder
        }

        func record(_ request: Request) -> Reply {
            let index = state.withLockedValue { state -> Int in
                state.requests.append(request)
                return state.requests.count - 1
            }
            return responder(request, index)
        }

        func track(_ channel: any Channel) {
            state.withLockedValue { $0.connections.append(channel) }
        }

        var requests: [Request] { state.withLockedValue { $0.requests } }
        var connections: [any Channel] { state.withLockedValue { $0.connections } }
    }

    let port: Int
    private let server: any Channel
    private let recorder: Recorder

    private init(port: Int, server: any Channel, recorder: Recorder) {
        self.port = port
        self.server = server
        self.recorder = recorder
    }

    /// `http://127.0.0.1:<port>` and `path`.
    func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    var requests: [Request] { recorder.requests }

    static func start(_ responder: @escaping Responder = { _, _ in .status(200, body: "ok") }) async throws -> HTTPReceiver {
        let recorder = Recorder(responder)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                recorder.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = server.localAddress?.port else { throw TestFailure("the receiver has no port") }
        return HTTPReceiver(port: port, server: server, recorder: recorder)
    }

    /// Runs `body` with a started receiver and always stops it afterwards.
    static func with<T>(
        _ responder: @escaping Responder = { _, _ in .status(200, body: "ok") },
        _ body: (HTTPReceiver) async throws -> T
    ) async throws -> T {
        let receiver = try await start(responder)
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    /// Waits until at least `count` requests arrived; fails after `timeout`
    /// (a guard against hanging, not a measurement).
    @discardableResult
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = requests
            if seen.count >= count { return seen }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("expected \(count) requests within \(timeout), got \(requests.count)")
    }

    func stop() async {
        for connection in recorder.connections { try? await connection.close() }
        try? await server.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let recorder: Recorder
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(recorder: Recorder) {
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = Request(
                    method: head.method.rawValue, path: head.uri,
                    headers: head.headers.map { ($0.name, $0.value) }, body: body
                )
                respond(recorder.record(request), context: context)
            }
        }

        func respond(_ reply: Reply, context: ChannelHandlerContext) {
            switch reply {
            case .never:
                return
            case .close:
                context.close(promise: nil)
            case .after(let delay, let next):
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let nanoseconds = Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
                context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                    let (handler, context) = bound.value
                    handler.respond(next, context: context)
                }
            case .status(let code, let text, let extra):
                var headers = HTTPHeaders(extra)
                headers.replaceOrAdd(name: "content-length", value: String(text.utf8.count))
                headers.replaceOrAdd(name: "content-type", value: "text/plain")
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
