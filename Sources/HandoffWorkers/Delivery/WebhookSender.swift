import Foundation
import HandoffCore
import HandoffStore

/// Signed webhooks (Standard Webhooks): the event JSON exactly as stored,
/// `webhook-id` the event id on every attempt so receivers can deduplicate,
/// `webhook-timestamp` the attempt's own time, and the signature over both
/// and the body under each of the channel's secrets that sign at that time:
/// the current one, and for a day after a rotation the one it replaced
/// (`SigningSecrets`), as two `v1,` signatures in the one header.
struct WebhookSender: Sendable {
    let http: HTTPDelivery
    /// HANDOFF_SECRET_KEY: the channel's secrets are stored sealed and opened
    /// only here, for the signature.
    let secretKey: SecretKey?

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        guard let url = delivery.config?.url else {
            return .permanent("the webhook channel has no `url` in its config; set one with PATCH /v1/channels/{id}")
        }
        guard let stored = delivery.secrets.current else {
            return .permanent("the webhook channel has no usable signing secret; rotate it with POST /v1/channels/{id}/rotate-secret")
        }
        guard let text = SealedSecret.open(stored, with: secretKey) else {
            return .permanent("the webhook channel's signing secret was sealed with another HANDOFF_SECRET_KEY than this worker's; give every process the same key, or rotate the secret with POST /v1/channels/{id}/rotate-secret")
        }
        guard let secret = WebhookSecret(text) else {
            return .permanent("the webhook channel has no usable signing secret; rotate it with POST /v1/channels/{id}/rotate-secret")
        }
        // The replaced secret is a courtesy to receivers not yet redeployed:
        // one that does not open (never expected; rotation seals it with the
        // API's key) leaves the current signature alone rather than fail the send.
        let previous = delivery.secrets.signing(at: now).dropFirst().compactMap {
            SealedSecret.open($0, with: secretKey).flatMap(WebhookSecret.init)
        }
        let signature = WebhookSignature.headers(
            id: delivery.eventID.lowercasedString, at: now, body: delivery.payload, secrets: [secret] + previous
        )
        return await http.post(url: url, headers: signature.fields, body: delivery.payload)
    }
}
