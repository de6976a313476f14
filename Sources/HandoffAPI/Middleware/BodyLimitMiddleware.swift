import HandoffCore
import Hummingbird
import NIOCore

/// Reads a request body whole, up to a limit, before anything parses it: an
/// oversized body is a 413, never a process holding megabytes per request.
/// The bytes stay readable to handlers through `RequestBody.current`.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw Problem.contentTooLarge(limit: maxBytes)
        }
        guard [.post, .put, .patch].contains(request.method) else {
            return try await next(request, context)
        }
        let body = try await request.collectBody(upTo: maxBytes)
        if Self.containsNUL(body) {
            // Postgres text and jsonb cannot hold U+0000; refuse it here, whole,
            // rather than fail deep in a write.
            throw Problem.validation([FieldError(field: "body", message: "must not contain the NUL character (\\u0000)")])
        }
        RequestBody.box?.buffer = body
        return try await next(request, context)
    }

    /// A raw 0x00 byte, or the JSON escape `\u0000` (not itself escaped).
    static func containsNUL(_ body: ByteBuffer) -> Bool {
        let bytes = body.readableBytesView
        var backslashes = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0 { return true }
            if byte == UInt8(ascii: "\\") {
                backslashes += 1
            } else {
                if byte == UInt8(ascii: "u"), backslashes % 2 == 1, bytes.distance(from: index, to: bytes.endIndex) >= 5,
                   bytes[(index + 1)..<(index + 5)].elementsEqual("0000".utf8) {
                    return true
                }
                backslashes = 0
            }
            index += 1
        }
        return false
    }
}
