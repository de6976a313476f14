import Foundation
import HandoffCore
import HandoffStore

/// The steps every configuration endpoint shares — decode the body, validate
/// it in Core, check references in the tenant, store, answer in the wire
/// type — so the seven resources' handlers say only what differs.
extension APIHandlers {
    typealias Make<Record: ConfigRecord, Input> = @Sendable (Input, Record?, UUID, Date) -> Result<Record, ValidationFailure>

    func createConfig<Record: ConfigRecord, Input: Decodable & ReferencingInput>(_ input: Input.Type, _ make: Make<Record, Input>) async throws -> Record {
        let tenantID = try RequestIdentity.tenantID()
        let body = try RequestBody.decode(input)
        let now = clock()
        let record = try await validated(make(body, nil, .v7(at: now), now), input: body, tenantID: tenantID)
        return try await mapWriteErrors { try await config.create(record, tenantID: tenantID) }
    }

    func getConfig<Record: ConfigRecord>(_ type: Record.Type, id: String) async throws -> Record {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: id, resource: Record.kind.noun)
        guard let record = try await config.get(type, id: id, tenantID: tenantID) else { throw Problem.notFound(Record.kind.noun) }
        return record
    }

    func listConfig<Record: ConfigRecord>(
        _ type: Record.Type, limit: Int?, cursor: String?, filter: [String: Any] = [:]
    ) async throws -> (records: [Record], next: String?) {
        let tenantID = try RequestIdentity.tenantID()
        let page = try PageRequest.parse(limit: limit, cursor: cursor).orThrow()
        let json = try JSONSerialization.data(withJSONObject: filter)
        return try await config.list(type, tenantID: tenantID, page: page, filter: String(decoding: json, as: UTF8.self))
    }

    func updateConfig<Record: ConfigRecord, Input: Decodable & ReferencingInput>(
        _ input: Input.Type, id: String, _ make: @escaping Make<Record, Input>
    ) async throws -> Record {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: id, resource: Record.kind.noun)
        let body = try RequestBody.decode(input)
        let now = clock()
        let updated: Record?
        do {
            updated = try await mapWriteErrors {
                try await config.update(Record.self, id: id, tenantID: tenantID) { current in make(body, current, id, now) }
            }
        } catch let problem as Problem where problem.slug == "validation" {
            // Field errors first found, now joined by any unknown references in the body.
            _ = try await validated(.failure(ValidationFailure(errors: problem.errors)) as Result<Record, ValidationFailure>, input: body, tenantID: tenantID)
            throw problem
        }
        guard let updated else { throw Problem.notFound(Record.kind.noun) }
        return updated
    }

    func deleteConfig(_ kind: ConfigKind, id: String) async throws {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: id, resource: kind.noun)
        let deleted = try await mapWriteErrors { try await config.delete(kind, id: id, tenantID: tenantID) }
        guard deleted else { throw Problem.notFound(kind.noun) }
    }

    /// The record, or one 422 with its field errors and the body's unknown references together.
    private func validated<Record: ConfigRecord>(
        _ result: Result<Record, ValidationFailure>, input: some ReferencingInput, tenantID: UUID
    ) async throws -> Record {
        guard case .failure(let failure) = result else { return try result.get() }
        let reported = Set(failure.errors.map(\.field))
        let missing = try await config.missingReferences(input.references.filter { !reported.contains($0.field) }, tenantID: tenantID)
        throw Problem.validation(failure.errors + missing)
    }

    /// Runs a configuration write; this process's cache forgets the tenant at
    /// once (other processes hear the write's NOTIFY), so the very next lead
    /// routes with the new configuration.
    private func mapWriteErrors<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        defer { if let tenantID = try? RequestIdentity.tenantID() { configurationCache.invalidate(tenantID: tenantID) } }
        do {
            return try await body()
        } catch let failure as ValidationFailure {
            throw Problem.validation(failure.errors)
        } catch ConfigWriteError.invalidReferences(let errors) {
            throw Problem.validation(errors)
        } catch ConfigWriteError.referenced(let referrers) {
            throw Problem(.conflict, slug: "still-referenced", title: "Still referenced",
                          detail: "Still used by \(referrers.joined(separator: ", ")); change those first, or deactivate instead of deleting.")
        }
    }
}

/// Configuration records leave as the generated wire types through their JSON,
/// which both sides spell the same (snake_case, RFC 3339, lowercase ids).
func wire<Wire: Decodable>(_ record: some Encodable, as type: Wire.Type = Wire.self) throws -> Wire {
    try WireJSON.decode(type, from: WireJSON.encode(record))
}
