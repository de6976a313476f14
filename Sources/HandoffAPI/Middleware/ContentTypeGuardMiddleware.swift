import Hummingbird

/// Refuses a Content-Type that names a parameter twice (`application/json;
/// charset=utf-8; Charset=latin1`) before the generated layer reads it:
/// OpenAPIRuntime traps on one, and a trap ends the process with every request
/// in it. `JSONNegotiation.repeatedParameter` says which.
struct ContentTypeGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Two parameters need two `;`: most requests are decided by one scan.
        if let contentType = request.headers[.contentType], contentType.utf8.lazy.filter({ $0 == UInt8(ascii: ";") }).count > 1,
           let name = JSONNegotiation.repeatedParameter(in: contentType) {
            throw Problem.badRequest("Content-Type names the parameter \"\(name)\" twice; send it once.")
        }
        return try await next(request, context)
    }
}
