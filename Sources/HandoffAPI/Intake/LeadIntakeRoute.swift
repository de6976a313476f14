import Foundation
import HandoffCore
import HandoffStore
import Hummingbird
import NIOCore

/// `POST /v1/leads`, served without the generated layer. Intake is the API's
/// hot path, and that layer decoded every body into `LeadCreate` (which the
/// handler then decoded again, as Core's input), wrote every 201 through
/// JSONEncoder and streamed it out through an async writer: without it the API
/// spends less CPU per lead, as `bench/intake` measures.
/// The contract stays the document's: the runtime's header
/// rules (`JSONNegotiation`), the same problems, and the same 201 byte for byte
/// (`LeadIntakeRouteTests`). Every other operation goes through the generated layer.
struct LeadIntakeRoute: Sendable {
    static let method = HTTPRequest.Method.post
    static let path = "/v1/leads"

    let handlers: APIHandlers

    func respond(to request: Request) async throws -> Response {
        // Accept was checked before any write (`AcceptBeforeWritesMiddleware`).
        guard JSONNegotiation.readsBody(contentType: request.headers[.contentType]) else { throw Problem.unsupportedMediaType }
        return try Self.created(try await handlers.intakeLead())
    }

    static func created(_ lead: LeadSnapshot) throws -> Response {
        Response(
            status: .created,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try lead.apiJSON()))
        )
    }

    /// The 201 again for a retry whose lead committed under its
    /// Idempotency-Key but whose response was never stored: the lead as it
    /// is now, which may have moved on since (a response, a reassignment).
    func committed(tenantID: UUID, leadID: UUID) async throws -> Response {
        guard let detail = try await handlers.leads.get(leadID, tenantID: tenantID) else {
            throw Problem.conflict("This Idempotency-Key created a lead that no longer exists; use a new key for a new request.")
        }
        return try Self.created(detail.lead)
    }
}
