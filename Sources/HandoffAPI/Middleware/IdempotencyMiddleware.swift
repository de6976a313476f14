import Crypto
import Foundation
import HandoffCore
import HandoffStore
import HTTPTypes
import Hummingbird
import NIOCore

/// `Idempotency-Key` on every POST (PRODUCT.md): the same key and body replay
/// the first response, the same key with another body is a 409. The key is
/// reserved before the handler runs, so two concurrent retries cannot both
/// create; a 5xx releases it so the client can try again.
///
/// Stored responses are sealed with a key only the caller can derive
/// (`ReplaySeal`): some carry a secret shown once, which a reader of the
/// database, or another key of the tenant, must never get.
struct IdempotencyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: IdempotencyStore
    /// How ProblemMiddleware will answer an error: refusals (4xx) are the
    /// answer to the request and are kept for replay, whatever layer threw them.
    let classify: @Sendable (any Error, Request) -> Problem
    /// The answer to a request whose lead committed but whose response was
    /// never stored: the lead as it is now (`LeadIntakeRoute`).
    let committedLead: @Sendable (_ tenantID: UUID, _ leadID: UUID) async throws -> Response
    let clock: @Sendable () -> Date

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
        // The identity was checked, so the header holds the caller's credential.
        guard let credential = BearerCredential.presented(in: request) else { return try await next(request, context) }
        let seal = ReplaySeal.key(idempotencyKey: key, credential: credential)
        var request = request
        let body = try await request.collectBody(upTo: APILimits.maxBodyBytes)
        var hasher = SHA256()
        hasher.update(data: Data(request.method.rawValue.utf8))
        hasher.update(data: Data(request.uri.path.utf8))
        hasher.update(data: Data(buffer: body))
        let hash = Data(hasher.finalize())

        let reservation: UUID
        switch try await store.reserve(namespace: namespace, key: key, method: request.method.rawValue, path: request.uri.path, requestHash: hash, now: clock()) {
        case .mismatch:
            throw Problem.conflict("This Idempotency-Key was used with a different request; use a new key for a new request.")
        case .inProgress:
            throw Problem(.conflict, slug: "idempotency-in-progress", title: "Request in progress",
                          detail: "A request with this Idempotency-Key is still being processed; retry in a moment.",
                          headers: [.retryAfter: "1"])
        case .replay(let stored):
            let body: Data
            switch ReplaySeal.open(stored.body, with: seal) {
            case .body(let opened), .unsealed(let opened): body = opened
            case .notYours:
                throw Problem.conflict("This Idempotency-Key was used by another API key; use a new key for a new request.")
            }
            var headers: HTTPFields = [HTTPField.Name("Idempotent-Replayed")!: "true"]
            if let contentType = stored.contentType { headers[.contentType] = contentType }
            return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
        case .committed(let leadID):
            var response = try await committedLead(namespace, leadID)
            let bytes = try await CollectingWriter.collect(response.body)
            try await store.complete(namespace: namespace, key: key, reservation: nil, response: .init(
                status: response.status.code, contentType: response.headers[.contentType], body: ReplaySeal.seal(Data(buffer: bytes), with: seal)
            ))
            response.body = .init(byteBuffer: bytes)
            response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return response
        case .reserved(let id):
            reservation = id
        }

        let response: Response
        do {
            response = try await IntakeIdempotency.$current.withValue(IntakeIdempotency(key: key, reservation: reservation)) {
                try await next(request, context)
            }
        } catch {
            let problem = classify(error, request)
            if problem.status.code < 500 {
                // A refusal is the answer to this request: replay it too.
                try await store.complete(namespace: namespace, key: key, reservation: reservation, response: .init(
                    status: problem.status.code, contentType: "application/problem+json", body: ReplaySeal.seal(problem.body, with: seal)
                ))
                throw problem
            }
            try? await store.release(namespace: namespace, key: key, reservation: reservation)
            throw error
        }
        guard response.status.code < 500 else {
            try? await store.release(namespace: namespace, key: key, reservation: reservation)
            return response
        }
        var collected = response
        let bytes = try await CollectingWriter.collect(response.body)
        collected.body = .init(byteBuffer: bytes)
        try await store.complete(namespace: namespace, key: key, reservation: reservation, response: .init(
            status: response.status.code, contentType: response.headers[.contentType], body: ReplaySeal.seal(Data(buffer: bytes), with: seal)
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
