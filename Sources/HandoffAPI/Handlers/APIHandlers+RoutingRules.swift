import Foundation
import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createRoutingRule(_ input: Operations.CreateRoutingRule.Input) async throws -> Operations.CreateRoutingRule.Output {
        .created(.init(body: .json(try wire(await createConfig(RoutingRuleConfigInput.self, RoutingRuleConfig.make)))))
    }

    func listRoutingRules(_ input: Operations.ListRoutingRules.Input) async throws -> Operations.ListRoutingRules.Output {
        var filter: [String: Any] = [:]
        var v = Validator()
        if let id = v.id(input.query.funnelId, "funnel_id") { filter["funnel_id"] = id.lowercasedString }
        guard v.isValid else { throw Problem.validation(v.errors) }
        let (records, next) = try await listConfig(RoutingRuleConfig.self, limit: input.query.limit, cursor: input.query.cursor, filter: filter)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getRoutingRule(_ input: Operations.GetRoutingRule.Input) async throws -> Operations.GetRoutingRule.Output {
        .ok(.init(body: .json(try wire(await getConfig(RoutingRuleConfig.self, id: input.path.id)))))
    }

    func updateRoutingRule(_ input: Operations.UpdateRoutingRule.Input) async throws -> Operations.UpdateRoutingRule.Output {
        .ok(.init(body: .json(try wire(await updateConfig(RoutingRuleConfigInput.self, id: input.path.id, RoutingRuleConfig.make)))))
    }

    func deleteRoutingRule(_ input: Operations.DeleteRoutingRule.Input) async throws -> Operations.DeleteRoutingRule.Output {
        try await deleteConfig(.routingRule, id: input.path.id)
        return .noContent(.init())
    }
}
