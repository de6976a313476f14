import Foundation
import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createTenant(_ input: Operations.CreateTenant.Input) async throws -> Operations.CreateTenant.Output {
        try RequestIdentity.requireOperator()
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send a JSON body.") }
        let name = try TenantRules.validateName(body.name).orThrow()
        let (tenant, key, secret) = try await tenants.create(name: name, now: clock())
        return .created(.init(body: .json(.init(tenant: .init(tenant), apiKey: .init(key, secret: secret)))))
    }

    func listTenants(_ input: Operations.ListTenants.Input) async throws -> Operations.ListTenants.Output {
        try RequestIdentity.requireOperator()
        let page = try PageRequest.parse(limit: input.query.limit, cursor: input.query.cursor).orThrow()
        let (rows, next) = try await tenants.list(page: page, now: clock())
        return .ok(.init(body: .json(.init(data: rows.map(Components.Schemas.Tenant.init), nextCursor: .init(next)))))
    }

    func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        try RequestIdentity.requireOperator()
        let id = try UUID(pathID: input.path.id, resource: "tenant")
        guard let tenant = try await tenants.get(id, now: clock()) else { throw Problem.notFound("tenant") }
        return .ok(.init(body: .json(.init(tenant))))
    }

    func updateTenant(_ input: Operations.UpdateTenant.Input) async throws -> Operations.UpdateTenant.Output {
        try RequestIdentity.requireOperator()
        let id = try UUID(pathID: input.path.id, resource: "tenant")
        let body = switch input.body {
        case .json(let body), .applicationMergePatchJson(let body): body
        }
        let name = try body.name.map { try TenantRules.validateName($0).orThrow() }
        var v = Validator()
        let status = body.status.map { v.oneOf($0, "status", as: TenantStatus.self) } ?? nil
        guard v.isValid else { throw Problem.validation(v.errors) }
        let quota = try SendQuota.validate(body.sendQuotaPerDay).orThrow()
        let updated = try await tenants.update(id, name: name, status: status, sendQuotaPerDay: quota, now: clock())
        keyCache.invalidate(tenantID: id)  // a suspension takes effect at once here; other processes hear the NOTIFY
        guard let tenant = updated else {
            throw Problem.notFound("tenant")
        }
        return .ok(.init(body: .json(.init(tenant))))
    }
}

extension Components.Schemas.Tenant {
    init(_ tenant: Tenant) {
        self.init(
            id: tenant.id.lowercasedString, name: tenant.name, status: .init(rawValue: tenant.status.rawValue) ?? .suspended,
            sendQuotaPerDay: tenant.sendQuotaPerDay, sendsToday: tenant.sendsToday, createdAt: tenant.createdAt
        )
    }
}

extension APIHandlers {
    /// `DELETE /v1/tenants/{id}`: a suspended tenant and all of its data.
    func deleteTenant(_ input: Operations.DeleteTenant.Input) async throws -> Operations.DeleteTenant.Output {
        try RequestIdentity.requireOperator()
        let id = try UUID(pathID: input.path.id, resource: "tenant")
        switch try await tenants.delete(id) {
        case .deleted:
            // Its keys stop at once here; other processes hear the NOTIFY.
            keyCache.invalidate(tenantID: id)
            configurationCache.invalidate(tenantID: id)
            return .noContent(.init())
        case .active:
            throw Problem.conflict(
                "The tenant is active. Suspend it first (PATCH /v1/tenants/{id} with {\"status\": \"suspended\"}), then delete it."
            )
        case .notFound:
            throw Problem.notFound("tenant")
        }
    }
}
