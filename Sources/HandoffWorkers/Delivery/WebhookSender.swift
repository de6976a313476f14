import Foundation
import HandoffCore
import HandoffStore

/// Signed webhooks (Standard Webhooks): the event JSON exactly as stored,
/// `webhook-id` the event id on every attempt so receivers can deduplicate,
/// `webhook-timestamp` the attempt's own time, and the signature over both
/// and the body under the channel's secret.
struct WebhookSender: Sendable {
    let http: HTTPDelivery

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        guard let url = delivery.config?.url else {
            return .permanent("the webhook channel has no `url` in its config; set one with PATCH /v1/channels/{id}")
        }
        guard let text = delivery.secret, let secret = WebhookSecret(text) else {
            return .permanent("the webhook channel has no usable signing secret; rotate it with POST /v1/channels/{id}/rotate-secret")
        }
        let signature = WebhookSignature.headers(
            id: delivery.eventID.lowercasedString, at: now, body: delivery.payload, secret: secret
        )
        return await http.post(url: url, headers: signature.fields, body: delivery.payload)
    }
}
