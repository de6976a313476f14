import Hummingbird

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
        RequestBody.box?.buffer = try await request.collectBody(upTo: maxBytes)
        return try await next(request, context)
    }
}
