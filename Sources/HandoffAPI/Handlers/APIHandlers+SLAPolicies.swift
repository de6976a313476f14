import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createSLAPolicy(_ input: Operations.CreateSLAPolicy.Input) async throws -> Operations.CreateSLAPolicy.Output {
        .created(.init(body: .json(try wire(await createConfig(SLAPolicyInput.self, SLAPolicy.make)))))
    }

    func listSLAPolicies(_ input: Operations.ListSLAPolicies.Input) async throws -> Operations.ListSLAPolicies.Output {
        let (records, next) = try await listConfig(SLAPolicy.self, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getSLAPolicy(_ input: Operations.GetSLAPolicy.Input) async throws -> Operations.GetSLAPolicy.Output {
        .ok(.init(body: .json(try wire(await getConfig(SLAPolicy.self, id: input.path.id)))))
    }

    func updateSLAPolicy(_ input: Operations.UpdateSLAPolicy.Input) async throws -> Operations.UpdateSLAPolicy.Output {
        .ok(.init(body: .json(try wire(await updateConfig(SLAPolicyInput.self, id: input.path.id, SLAPolicy.make)))))
    }

    func deleteSLAPolicy(_ input: Operations.DeleteSLAPolicy.Input) async throws -> Operations.DeleteSLAPolicy.Output {
        try await deleteConfig(.slaPolicy, id: input.path.id)
        return .noContent(.init())
    }
}
