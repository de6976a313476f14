@testable import HandoffTestSupport
import Foundation
import HandoffStore
import PostgresNIO
import Testing

/// The intake's two statements set their own scope (sql/0005_self_scoped_intake.sql)
/// instead of running inside BEGIN, scope, …, COMMIT. What that must not cost:
/// a pooled connection carrying a tenant over, a 201 for a lead whose commit
/// failed, or the write silently joining someone's larger transaction.
@Suite struct SelfScopedIntakeTests {
    @Test("after the routing read and the lead's write, the connection is back to the login role and no tenant")
    func theScopeEndsWithTheStatement() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let tenant = try await tenantID(of: seed, on: app)
            try await app.database.client.withConnection { connection in
                let login = try await scope(on: connection)
                #expect(login.role == "none" && login.tenant.isEmpty)

                var owners = 0
                for try await _ in try await connection.query(
                    "SELECT id, value FROM handoff_routing_state(\(tenant)) WHERE NOT is_team", logger: TestDatabase.logger
                ) { owners += 1 }
                #expect(owners == 3, "the seed's three owners, each with its open leads")
                #expect(try await scope(on: connection) == login)

                try await connection.query(call(lead: UUID(), seed: seed, tenant: tenant), logger: TestDatabase.logger)
                #expect(try await scope(on: connection) == login)
            }
            #expect(try await leadCount(on: app) == 1)
        }
    }

    @Test("the write refuses to join a transaction block, and leaves nothing")
    func theWriteCommitsOnItsOwn() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            let tenant = try await tenantID(of: seed, on: app)
            let refusal: String? = try await app.database.client.withConnection { connection in
                try await connection.query("BEGIN", logger: TestDatabase.logger)
                do {
                    try await connection.query(call(lead: UUID(), seed: seed, tenant: tenant), logger: TestDatabase.logger)
                    try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                    return nil
                } catch let error as PSQLError {
                    try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                    return error.serverInfo?[.message]
                }
            }
            #expect(refusal == "invalid transaction termination")
            #expect(try await leadCount(on: app) == 0)
        }
    }

    @Test("a lead whose commit fails is answered 500, not 201, and is not stored")
    func aFailedCommitIsNotAnsweredCreated() async throws {
        try await TestApp.run { app in
            let seed = try await SeedConfiguration.create(on: app)
            // A check that runs at commit, as a deferred constraint would.
            for statement in [
                "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$",
                "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON leads DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()",
            ] {
                try await app.database.client.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
            }
            let created = try await app.request(.post, "/v1/leads", key: seed.key, json: seed.lead())
            #expect(created.status == .internalServerError, "\(created.text)")
            #expect(try await leadCount(on: app) == 0)
        }
    }

    // MARK: - Helpers

    private struct Scope: Equatable {
        var role: String
        var tenant: String
    }

    private func scope(on connection: PostgresConnection) async throws -> Scope {
        let rows = try await connection.query(
            "SELECT current_setting('role'), coalesce(current_setting('app.tenant_id', true), '')", logger: TestDatabase.logger
        )
        for try await (role, tenant) in rows.decode((String, String).self) { return Scope(role: role, tenant: tenant) }
        throw TestFailure("no row")
    }

    private func tenantID(of seed: SeedConfiguration, on app: TestApp) async throws -> UUID {
        let rows = try await app.database.client.query(
            "SELECT tenant_id FROM funnels WHERE id = \(UUID(uuidString: seed.funnel)!)", logger: TestDatabase.logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw TestFailure("the seed's funnel is not stored")
    }

    private func leadCount(on app: TestApp) async throws -> Int {
        let rows = try await app.database.client.query("SELECT count(*)::int FROM leads", logger: TestDatabase.logger)
        for try await count in rows.decode(Int.self) { return count }
        return -1
    }

    /// The intake's CALL for an unassigned lead of the seed's funnel, with no
    /// timers, events or deliveries.
    private func call(lead: UUID, seed: SeedConfiguration, tenant: UUID) -> PostgresQuery {
        let funnel = UUID(uuidString: seed.funnel)!
        let now = Date()
        return """
            CALL handoff_intake_lead(\(tenant), \(lead), \(funnel), NULL, 'max@example.com', NULL, NULL, 90::float8,
                '{}'::jsonb, '{}'::jsonb, 'unassigned', NULL, NULL, NULL, 'none', NULL, NULL, \(now),
                '{}'::uuid[], '{}'::text[], '{}'::int[], '{}'::timestamptz[], NULL, NULL,
                '{}'::uuid[], '{}'::text[], '{}'::text[], '{}'::uuid[], '{}'::uuid[], '{}'::uuid[])
            """
    }
}
