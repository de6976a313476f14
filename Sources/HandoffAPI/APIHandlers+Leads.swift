import Foundation
import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createLead(_ input: Operations.CreateLead.Input) async throws -> Operations.CreateLead.Output { throw Problem.internalError }
    func listLeads(_ input: Operations.ListLeads.Input) async throws -> Operations.ListLeads.Output { throw Problem.internalError }
    func getLead(_ input: Operations.GetLead.Input) async throws -> Operations.GetLead.Output { throw Problem.internalError }
    func createLeadResponse(_ input: Operations.CreateLeadResponse.Input) async throws -> Operations.CreateLeadResponse.Output { throw Problem.internalError }
    func reassignLead(_ input: Operations.ReassignLead.Input) async throws -> Operations.ReassignLead.Output { throw Problem.internalError }
    func simulateRouting(_ input: Operations.SimulateRouting.Input) async throws -> Operations.SimulateRouting.Output { throw Problem.internalError }
    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output { throw Problem.internalError }
}
