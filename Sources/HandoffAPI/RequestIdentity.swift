import Foundation
import HandoffCore

/// Who is calling. The generated handlers cannot see the request context, so
/// the auth middleware binds this task-local around the rest of the request.
public enum Principal: Sendable, Equatable {
    case operatorKey
    case tenantKey(tenantID: UUID, keyID: UUID, scopes: [Scope])
}

public enum RequestIdentity {
    @TaskLocal public static var current: Principal?

    /// The calling tenant; a handler reached without one is a wiring bug.
    static func tenantID() throws -> UUID {
        guard case .tenantKey(let tenantID, _, _) = current else {
            throw Problem.forbidden("This operation needs a tenant key (hk_…).")
        }
        return tenantID
    }

    static func requireOperator() throws {
        guard current == .operatorKey else {
            throw Problem.forbidden("This operation needs the operator key.")
        }
    }
}
