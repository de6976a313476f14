import Foundation
import HandoffOpenAPI
import OpenAPIRuntime
import Prometheus

extension APIHandlers {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        switch await readiness.outcome() {
        case .ready: return .ok(.init(body: .json(.init(status: "ok"))))
        case .unavailable(let detail): throw Problem.unavailable(detail)
        }
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
