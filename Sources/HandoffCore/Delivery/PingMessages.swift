import Foundation

// What a channel test (`PingEvent`) looks like where people read it: a short
// Slack message and a short e-mail that say it is a test and which channel
// sent it, so nobody mistakes it for a lead. Webhooks get the event JSON.

extension SlackMessage {
    public init(ping: PingEvent) {
        let name = SlackMessage.escape(ping.channel.name, limit: 200)
        let text = "Handoff test message: the channel *\(name)* can post here. Lead alerts will arrive in this conversation."
        self.init(
            text: SlackMessage.truncate("Handoff test message from the channel \(name)", limit: SlackMessage.maxFallbackText),
            blocks: [
                .section(text: text, fields: []),
                .context(["Channel `\(ping.channel.id.lowercasedString)` · `\(PingEvent.type)` · event `\(ping.id.lowercasedString)`"]),
            ]
        )
    }
}

extension LeadEmailContent {
    /// A test mail has no lead; it shares the lead mails' subject-and-body shape.
    public init(ping: PingEvent) {
        let name = EmailAddress.singleLine(ping.channel.name)
        self.init(
            subject: "Handoff test message: \(name)",
            body: [
                "This is a test message from Handoff.",
                "",
                "The e-mail channel \"\(name)\" can reach this address. Lead alerts sent",
                "through it will look different: they name the lead, its owner, the",
                "deadline and every answer.",
                "",
                "--",
                "Channel \(ping.channel.id.lowercasedString), event \(PingEvent.type) \(ping.id.lowercasedString)"
                    + " at \(RFC3339Timestamp.format(ping.createdAt)).",
                "Sent by Handoff because someone tested this channel (POST /v1/channels/{id}/test).",
            ].joined(separator: "\n")
        )
    }
}
