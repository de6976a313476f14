import Foundation
import HandoffCore
import HandoffStore

/// E-mail over SMTP: subject and plain-text body from the event, to the
/// channel's list or to the lead's owner; a channel test is a short test
/// mail to the list. The Message-ID is the delivery's, the same on every
/// retry, so a mail system that saw it once can drop a resend.
struct EmailSender: Sendable {
    let client: SMTPClient
    let configuration: SMTPConfiguration?

    static let notConfigured = "e-mail is not configured: set HANDOFF_SMTP_URL (and HANDOFF_SMTP_FROM) for the server that runs the workers, then retry the delivery"

    func send(_ delivery: ClaimedDelivery, at now: Date) async -> DeliveryAttemptResult {
        guard let configuration else { return .permanent(Self.notConfigured) }
        guard let config = delivery.config else {
            return .permanent("the email channel's config cannot be read; set `to` or `to_owner` with PATCH /v1/channels/{id}")
        }
        let content: LeadEmailContent
        let recipients: [EmailAddress]
        if delivery.eventType == .ping {
            guard let ping = PingEvent.decode(from: delivery.payload) else {
                return .permanent("the stored channel test cannot be turned into an e-mail: it is not a ping event")
            }
            switch Self.recipients(config, owner: nil, eventType: PingEvent.type) {
            case .success(let list): recipients = list
            case .failure(let problem): return .permanent(problem.message)
            }
            content = LeadEmailContent(ping: ping)
        } else {
            let event: HandoffEvent
            do {
                event = try HandoffEvent.decode(from: delivery.payload)
            } catch {
                return .permanent("the stored event cannot be turned into an e-mail: \(error)")
            }
            switch Self.recipients(config, owner: event.data.owner, eventType: event.type.rawValue) {
            case .success(let list): recipients = list
            case .failure(let problem): return .permanent(problem.message)
            }
            content = LeadEmailContent(event: event, now: now)
        }
        let message = EmailMessage(
            from: configuration.from, to: recipients, subject: content.subject, body: content.body, date: now,
            messageID: "<\(delivery.id.lowercasedString)@\(configuration.from.domain)>"
        )
        do {
            try await client.send(message: message, via: configuration)
            return .delivered()
        } catch let error as SMTPError {
            return error.isPermanent ? .permanent(error.description) : .retryable(error.description)
        } catch {
            return .retryable("the e-mail could not be sent: \(error)")
        }
    }

    struct RecipientProblem: Error {
        var message: String
    }

    /// `owner`: the event's lead owner, for a `to_owner` channel (a channel
    /// test has none).
    static func recipients(_ config: ChannelConfig, owner: OwnerSnapshot?, eventType: String) -> Result<[EmailAddress], RecipientProblem> {
        if config.toOwner == true {
            guard let owner else {
                return .failure(RecipientProblem(message: "the channel sends to the lead's owner (`to_owner`), but this \(eventType) event has no owner"))
            }
            guard let address = EmailAddress(address: owner.email, name: owner.name) else {
                return .failure(RecipientProblem(message: "the owner's e-mail address '\(owner.email)' cannot be used; correct it on the owner"))
            }
            return .success([address])
        }
        let list = config.to ?? []
        guard !list.isEmpty else {
            return .failure(RecipientProblem(message: "the email channel has no recipients; set `to` or `to_owner` with PATCH /v1/channels/{id}"))
        }
        var addresses: [EmailAddress] = []
        for text in list {
            guard let address = EmailAddress(address: text) else {
                return .failure(RecipientProblem(message: "the channel's address '\(text)' cannot be used; correct `to` with PATCH /v1/channels/{id}"))
            }
            addresses.append(address)
        }
        return .success(addresses)
    }
}
