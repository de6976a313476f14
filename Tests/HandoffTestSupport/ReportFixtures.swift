@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import PostgresNIO

/// Leads written straight into the table with known outcomes, so report
/// figures can be checked by hand.
enum ReportFixtures {
    static func insertLead(
        on app: TestApp, tenant: String, funnel: String, owner: String?, policy: String, createdAt: Date,
        status: String = "responded", state: String = "met", responseSeconds: Int? = nil
    ) async throws {
        let tenantID = UUID(uuidString: tenant)!, funnelID = UUID(uuidString: funnel)!, policyID = UUID(uuidString: policy)!
        let ownerID = owner.flatMap(UUID.init(uuidString:))
        let respondedAt = responseSeconds.map { createdAt.addingTimeInterval(TimeInterval($0)) }
        _ = try await app.database.system { connection in
            try await connection.query(
                """
                INSERT INTO leads (tenant_id, id, funnel_id, email, score, status, owner_id, sla_policy_id, sla_state,
                                   sla_started_at, sla_due_at, sla_responded_at, sla_response_seconds, created_at, updated_at)
                VALUES (\(tenantID), \(UUID.v7(at: createdAt)), \(funnelID), 'lead@example.com', 90, \(status), \(ownerID),
                        \(status == "unqualified" ? nil : policyID), \(status == "unqualified" ? "none" : state),
                        \(createdAt), \(createdAt.addingTimeInterval(300)), \(respondedAt), \(responseSeconds), \(createdAt), \(createdAt))
                """,
                logger: TestDatabase.logger
            )
        }
    }

    static func date(_ text: String) -> Date { RFC3339Timestamp.parse(text)! }
}
