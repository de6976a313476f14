import Foundation
import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        let tenantID = try RequestIdentity.tenantID()
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send a JSON body.") }
        var errors: [FieldError] = []
        let name: String?
        switch TenantRules.validateName(body.name) {
        case .success(let value): name = value
        case .failure(let failure): name = nil; errors += failure.errors
        }
        let scopes: [Scope]?
        switch TenantRules.validateScopes(body.scopes) {
        case .success(let value): scopes = value
        case .failure(let failure): scopes = nil; errors += failure.errors
        }
        guard let name, let scopes, errors.isEmpty else { throw Problem.validation(errors) }
        let (key, secret) = try await keys.create(tenantID: tenantID, name: name, scopes: scopes, now: clock())
        return .created(.init(body: .json(.init(key, secret: secret))))
    }

    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let tenantID = try RequestIdentity.tenantID()
        let page = try PageRequest.parse(limit: input.query.limit, cursor: input.query.cursor).orThrow()
        let (rows, next) = try await keys.list(tenantID: tenantID, page: page)
        return .ok(.init(body: .json(.init(data: rows.map(Components.Schemas.APIKey.init), nextCursor: .init(next)))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "API key")
        let revoked = try await keys.revoke(tenantID: tenantID, id: id, now: clock())
        keyCache.invalidate(tenantID: tenantID)  // at once here; other processes hear the NOTIFY
        guard let key = revoked else {
            throw Problem.notFound("API key")
        }
        return .ok(.init(body: .json(.init(key))))
    }
}

extension Components.Schemas.APIKey {
    init(_ key: APIKey) {
        self.init(
            id: key.id.lowercasedString, name: key.name, prefix: key.prefix,
            scopes: key.scopes.compactMap { .init(rawValue: $0.rawValue) },
            createdAt: key.createdAt, revokedAt: .init(key.revokedAt)
        )
    }
}

extension Components.Schemas.APIKeyCreated {
    init(_ key: APIKey, secret: APIKeySecret) {
        self.init(
            id: key.id.lowercasedString, name: key.name, prefix: key.prefix,
            scopes: key.scopes.compactMap { .init(rawValue: $0.rawValue) },
            createdAt: key.createdAt, secret: secret.plaintext
        )
    }
}
