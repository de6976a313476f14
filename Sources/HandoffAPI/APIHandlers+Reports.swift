import Foundation
import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func getResponseTimeReport(_ input: Operations.GetResponseTimeReport.Input) async throws -> Operations.GetResponseTimeReport.Output { throw Problem.internalError }
    func getUsage(_ input: Operations.GetUsage.Input) async throws -> Operations.GetUsage.Output { throw Problem.internalError }
}
