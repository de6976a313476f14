import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The router as the generated layer's transport, except for the operations
/// that hand-written routes serve (`LeadIntakeRoute`): Hummingbird refuses a
/// second handler for the same method and path.
struct GeneratedRoutes: ServerTransport {
    let router: Router<HandoffRequestContext>
    let servedByHand: [(method: HTTPRequest.Method, path: String)]

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        guard !servedByHand.contains(where: { $0.method == method && $0.path == path }) else { return }
        router.register(handler, method: method, path: path)
    }
}
