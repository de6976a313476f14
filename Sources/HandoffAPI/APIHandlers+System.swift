import Foundation
import HandoffOpenAPI
import OpenAPIRuntime
import Prometheus

extension APIHandlers {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        guard await database.ping() else {
            throw Problem.unavailable("The database is unreachable.")
        }
        let pending = try await migrator.pending()
        guard pending.isEmpty else {
            throw Problem.unavailable("The schema is behind this build by \(pending.count) migration(s); run `handoff migrate`.")
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return .ok(.init(body: .plainText(HTTPBody(buffer))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(try OpenAPIDocument.yaml()))))
    }
}
