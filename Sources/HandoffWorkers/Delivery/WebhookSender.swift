import Foundation
import HandoffCore
import HandoffStore

/// Signed webhooks (Standard Webhooks): the event JSON exactly as stored,
/// `webhook-id` the event id on every attempt so receivers can deduplicate,
/// `webhook-timestamp` the attempt's own time, and the signature over both
/// and the body under the channel's secret.
struct WebhookSender: Sendable {
    let http: HTTPDelivery
    /// HANDOFF_SECRET_KEY: the channel's secret is stored sealed and opened
    /// only here, for the signature.
    let secretKey: SecretKey?

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        guard let url = delivery.config?.url else {
            return .permanent("the webhook channel has no `url` in its config; set one with PATCH /v1/channels/{id}")
        }
        guard let stored = delivery.secret else {
            return .permanent("the webhook channel has no usable signing secret; rotate it with POST /v1/channels/{id}/rotate-secret")
        }
        guard let text = SealedSecret.open(stored, with: secretKey) else {
            return .permanent("the webhook channel's signing secret was sealed with another HANDOFF_SECRET_KEY than this worker's; give every process the same key, or rotate the secret with POST /v1/channels/{id}/rotate-secret")
        }
        guard let secret = WebhookSecret(text) else {
            return .permanent("the webhook channel has no usable signing secret; rotate it with POST /v1/channels/{id}/rotate-secret")
        }
        let signature = WebhookSignature.headers(
            id: delivery.eventID.lowercasedString, at: now, body: delivery.payload, secret: secret
        )
        return await http.post(url: url, headers: signature.fields, body: delivery.payload)
    }
}
