import Foundation
import HandoffCore
import HandoffOpenAPI
import HandoffStore

extension APIHandlers {
    func listDeliveries(_ input: Operations.ListDeliveries.Input) async throws -> Operations.ListDeliveries.Output {
        let tenantID = try RequestIdentity.tenantID()
        var validator = Validator()
        let channelID = validator.id(input.query.channelId, "channel_id")
        let eventID = validator.id(input.query.eventId, "event_id")
        var page: PageRequest?
        switch PageRequest.parse(limit: input.query.limit, cursor: input.query.cursor) {
        case .success(let parsed): page = parsed
        case .failure(let failure): for error in failure.errors { validator.fail(error.field, error.message) }
        }
        guard let page, validator.isValid else { throw Problem.validation(validator.errors) }
        let filter = DeliveryFilter(
            status: input.query.status.flatMap { DeliveryStatus(rawValue: $0.rawValue) },
            channelID: channelID, eventID: eventID
        )
        let (deliveries, next) = try await DeliveryStore(database: database).list(tenantID: tenantID, filter: filter, page: page)
        return .ok(.init(body: .json(.init(data: try deliveries.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func retryDelivery(_ input: Operations.RetryDelivery.Input) async throws -> Operations.RetryDelivery.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "delivery")
        switch try await DeliveryStore(database: database).retry(tenantID: tenantID, id: id, now: clock()) {
        case .retried(let delivery):
            outbox.raise()
            return .ok(.init(body: .json(try wire(delivery))))
        case .alreadyPending:
            throw Problem.conflict("The delivery is still pending: it is queued or being retried on its schedule. Only a failed delivery can be retried.")
        case .alreadyDelivered:
            throw Problem.conflict("The delivery was already delivered, and is billed as such; only a failed delivery can be retried.")
        case .notFound:
            throw Problem.notFound("delivery")
        }
    }
}
