/// Why a message was not handed to the SMTP server. Each case says what the
/// server said or what went wrong and, where it helps, what to check.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectionFailed(host: String, port: Int, reason: String)
    case timedOut(seconds: Double, stage: String)
    case connectionClosed(stage: String)
    case unexpectedReply(command: String, reply: SMTPReply)
    /// Every recipient the server refused, with its reply; nothing was sent to anyone.
    case recipientsRefused([RefusedRecipient])
    case authenticationFailed(SMTPReply)
    case authenticationUnavailable(offered: [String])
    case insecureAuthentication(host: String)
    case startTLSUnavailable
    case tlsFailed(String)
    case protocolViolation(String)
    /// The message names nobody to send it to.
    case noRecipients

    public struct RefusedRecipient: Sendable, Equatable {
        public var address: String
        public var reply: SMTPReply

        public init(address: String, reply: SMTPReply) {
            self.address = address
            self.reply = reply
        }
    }

    /// True when retrying the same message cannot succeed (a 5xx reply, a
    /// refused recipient, missing TLS or authentication): the delivery can
    /// be marked failed at once instead of retried for a day.
    public var isPermanent: Bool {
        switch self {
        case .connectionFailed, .timedOut, .connectionClosed, .tlsFailed, .protocolViolation:
            return false
        case .unexpectedReply(_, let reply), .authenticationFailed(let reply):
            return reply.isPermanentFailure
        case .recipientsRefused(let refused):
            return refused.allSatisfy { $0.reply.isPermanentFailure }
        case .authenticationUnavailable, .insecureAuthentication, .startTLSUnavailable, .noRecipients:
            return true
        }
    }

    public var description: String {
        switch self {
        case .connectionFailed(let host, let port, let reason):
            return "could not connect to the SMTP server \(host):\(port): \(reason); check HANDOFF_SMTP_URL and that the server is up"
        case .timedOut(let seconds, let stage):
            return "the SMTP exchange took longer than \(seconds) s (\(stage))"
        case .connectionClosed(let stage):
            return "the SMTP server closed the connection (\(stage))"
        case .unexpectedReply(let command, let reply):
            return "the SMTP server answered \(command) with \(reply)"
        case .recipientsRefused(let refused):
            let list = refused.map { "\($0.address) (\($0.reply))" }.joined(separator: ", ")
            return "the SMTP server refused \(refused.count == 1 ? "recipient" : "recipients") \(list); nothing was sent"
        case .authenticationFailed(let reply):
            return "the SMTP server refused the user name and password from HANDOFF_SMTP_URL: \(reply)"
        case .authenticationUnavailable(let offered):
            let what = offered.isEmpty ? "offers no AUTH" : "offers AUTH \(offered.joined(separator: " "))"
            return "HANDOFF_SMTP_URL has credentials but the SMTP server \(what); PLAIN or LOGIN is needed"
        case .insecureAuthentication(let host):
            return "refusing to send the SMTP password to \(host) in clear text: the server offered no STARTTLS; use smtps:// or a server with STARTTLS"
        case .startTLSUnavailable:
            return "HANDOFF_SMTP_URL says starttls=required but the SMTP server does not offer STARTTLS"
        case .tlsFailed(let reason):
            return "TLS with the SMTP server failed: \(reason)"
        case .protocolViolation(let detail):
            return "the SMTP server broke the protocol: \(detail)"
        case .noRecipients:
            return "the email has no recipients; the channel needs `to` addresses or `to_owner`"
        }
    }
}
