import Crypto
import Foundation
import HandoffStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `Idempotency-Key` on every POST (PRODUCT.md): the same key and body replay
/// the first response, the same key with another body is a 409. The key is
/// reserved before the handler runs, so two concurrent retries cannot both
/// create; a 5xx releases it so the client can try again.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: IdempotencyStore
    /// How ProblemMiddleware will answer an error: refusals (4xx) are the
    /// answer to the request and are kept for replay, whatever layer threw them.
    let classify: @Sendable (any Error, Request) -> Problem

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count) else {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 characters.")
        }
        let namespace: UUID
        switch RequestIdentity.current {
        case .tenantKey(let tenantID, _, _): namespace = tenantID
        case .operatorKey: namespace = IdempotencyStore.operatorNamespace
        case nil: return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: APILimits.maxBodyBytes)
        var hasher = SHA256()
        hasher.update(data: Data(request.method.rawValue.utf8))
        hasher.update(data: Data(request.uri.path.utf8))
        hasher.update(data: Data(buffer: body))
        let hash = Data(hasher.finalize())

        switch try await store.reserve(namespace: namespace, key: key, method: request.method.rawValue, path: request.uri.path, requestHash: hash) {
        case .mismatch:
            throw Problem.conflict("This Idempotency-Key was used with a different request; use a new key for a new request.")
        case .inProgress:
            throw Problem(.conflict, slug: "idempotency-in-progress", title: "Request in progress",
                          detail: "A request with this Idempotency-Key is still being processed; retry in a moment.",
                          headers: [.retryAfter: "1"])
        case .replay(let stored):
            var headers: HTTPFields = [HTTPField.Name("Idempotent-Replayed")!: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: stored.body)))
        case .reserved:
            break
        }

        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = classify(error, request)
            if problem.status.code < 500 {
                // A refusal is the answer to this request: replay it too.
                try await store.complete(namespace: namespace, key: key, response: .init(status: problem.status.code, contentType: "application/problem+json", body: problem.body))
                throw problem
            }
            try? await store.release(namespace: namespace, key: key)
            throw error
        }
        guard response.status.code < 500 else {
            try? await store.release(namespace: namespace, key: key)
            return response
        }
        var collected = response
        let bytes = try await CollectingWriter.collect(response.body)
        collected.body = .init(byteBuffer: bytes)
        try await store.complete(namespace: namespace, key: key, response: .init(
            status: response.status.code, contentType: response.headers[.contentType], body: Data(buffer: bytes)
        ))
        return collected
    }
}

/// Reads a response body into one buffer, to store it for replays.
private struct CollectingWriter: ResponseBodyWriter {
    final class Box: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    let box: Box

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        box.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}

    static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let box = Box()
        try await body.write(CollectingWriter(box: box))
        return box.buffer
    }
}

import NIOFoundationCompat
