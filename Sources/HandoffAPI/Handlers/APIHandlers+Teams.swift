import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createTeam(_ input: Operations.CreateTeam.Input) async throws -> Operations.CreateTeam.Output {
        .created(.init(body: .json(try wire(await createConfig(TeamInput.self, Team.make)))))
    }

    func listTeams(_ input: Operations.ListTeams.Input) async throws -> Operations.ListTeams.Output {
        let (records, next) = try await listConfig(Team.self, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getTeam(_ input: Operations.GetTeam.Input) async throws -> Operations.GetTeam.Output {
        .ok(.init(body: .json(try wire(await getConfig(Team.self, id: input.path.id)))))
    }

    func updateTeam(_ input: Operations.UpdateTeam.Input) async throws -> Operations.UpdateTeam.Output {
        .ok(.init(body: .json(try wire(await updateConfig(TeamInput.self, id: input.path.id, Team.make)))))
    }

    func deleteTeam(_ input: Operations.DeleteTeam.Input) async throws -> Operations.DeleteTeam.Output {
        try await deleteConfig(.team, id: input.path.id)
        return .noContent(.init())
    }
}
