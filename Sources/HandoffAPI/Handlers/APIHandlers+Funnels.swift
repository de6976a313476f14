import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createFunnel(_ input: Operations.CreateFunnel.Input) async throws -> Operations.CreateFunnel.Output {
        .created(.init(body: .json(try wire(await createConfig(FunnelInput.self, Funnel.make)))))
    }

    func listFunnels(_ input: Operations.ListFunnels.Input) async throws -> Operations.ListFunnels.Output {
        var filter: [String: Any] = [:]
        if let active = input.query.active { filter["active"] = active }
        let (records, next) = try await listConfig(Funnel.self, limit: input.query.limit, cursor: input.query.cursor, filter: filter)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getFunnel(_ input: Operations.GetFunnel.Input) async throws -> Operations.GetFunnel.Output {
        .ok(.init(body: .json(try wire(await getConfig(Funnel.self, id: input.path.id)))))
    }

    func updateFunnel(_ input: Operations.UpdateFunnel.Input) async throws -> Operations.UpdateFunnel.Output {
        .ok(.init(body: .json(try wire(await updateConfig(FunnelInput.self, id: input.path.id, Funnel.make)))))
    }

    func deleteFunnel(_ input: Operations.DeleteFunnel.Input) async throws -> Operations.DeleteFunnel.Output {
        try await deleteConfig(.funnel, id: input.path.id)
        return .noContent(.init())
    }
}
