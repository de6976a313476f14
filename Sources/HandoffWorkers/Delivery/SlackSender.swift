import Foundation
import HandoffCore
import HandoffStore

/// Slack incoming webhooks: a readable Block Kit message, times in the
/// owner's zone; for a channel test, a short message saying so. Slack
/// answers 200 `ok` when it took the message.
struct SlackSender: Sendable {
    let http: HTTPDelivery

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        guard let url = delivery.config?.webhookURL else {
            return .permanent("the slack channel has no `webhook_url` in its config; set one with PATCH /v1/channels/{id}")
        }
        let body: [UInt8]
        do {
            if delivery.eventType == .ping {
                guard let ping = PingEvent.decode(from: delivery.payload) else {
                    return .permanent("the stored channel test cannot be turned into a Slack message: it is not a ping event")
                }
                body = try SlackMessage(ping: ping).encodedJSON()
            } else {
                let event = try HandoffEvent.decode(from: delivery.payload)
                body = try SlackMessage(event: event, now: now).encodedJSON()
            }
        } catch {
            return .permanent("the stored event cannot be turned into a Slack message: \(error)")
        }
        return await http.post(url: url, headers: [], body: body)
    }
}
