import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createOwner(_ input: Operations.CreateOwner.Input) async throws -> Operations.CreateOwner.Output {
        .created(.init(body: .json(try wire(await createConfig(OwnerInput.self, Owner.make)))))
    }

    func listOwners(_ input: Operations.ListOwners.Input) async throws -> Operations.ListOwners.Output {
        var filter: [String: Any] = [:]
        if let active = input.query.active { filter["active"] = active }
        if let territory = input.query.territory { filter["territories"] = [territory] }
        let (records, next) = try await listConfig(Owner.self, limit: input.query.limit, cursor: input.query.cursor, filter: filter)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getOwner(_ input: Operations.GetOwner.Input) async throws -> Operations.GetOwner.Output {
        .ok(.init(body: .json(try wire(await getConfig(Owner.self, id: input.path.id)))))
    }

    func updateOwner(_ input: Operations.UpdateOwner.Input) async throws -> Operations.UpdateOwner.Output {
        .ok(.init(body: .json(try wire(await updateConfig(OwnerInput.self, id: input.path.id, Owner.make)))))
    }

    func deleteOwner(_ input: Operations.DeleteOwner.Input) async throws -> Operations.DeleteOwner.Output {
        try await deleteConfig(.owner, id: input.path.id)
        return .noContent(.init())
    }
}
