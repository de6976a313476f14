import Hummingbird

/// A write whose caller cannot accept its JSON answer is refused with 406
/// before it changes anything. The generated layer checks `Accept` only when it
/// writes the answer, after the handler has committed: a client told 406 would
/// retry, and create the owner or record the response twice.
///
/// Every POST, PUT and PATCH in the document answers application/json, so the
/// runtime's own rule (`JSONNegotiation.answersJSON`) says in advance what it
/// would have said afterwards. DELETE is left to the generated layer: most
/// answer 204, with no body to negotiate.
struct AcceptBeforeWritesMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if [.post, .put, .patch].contains(request.method), !JSONNegotiation.answersJSON(accept: request.headers[.accept]) {
            throw Problem.notAcceptable
        }
        return try await next(request, context)
    }
}
