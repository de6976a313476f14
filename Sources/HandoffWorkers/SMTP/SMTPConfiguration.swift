import Foundation
import HandoffCore

/// Where and how to send email: HANDOFF_SMTP_URL and HANDOFF_SMTP_FROM.
///
/// `smtp://[user:pass@]host[:port]` (port 25 by default) upgrades to TLS
/// with STARTTLS whenever the server offers it; `?starttls=required` refuses
/// to go on without it. `smtps://…` (port 465) speaks TLS from the first byte.
/// User and password are percent-decoded, so `%40` in a user name is `@`.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        /// STARTTLS when offered, plain text otherwise.
        case startTLSIfOffered
        /// STARTTLS or fail: for a relay that must never see mail in clear.
        case startTLSRequired
        /// TLS from connect (port 465, "SMTPS").
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The envelope sender (MAIL FROM) and the default From header.
    public var from: EmailAddress

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: EmailAddress) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
    }

    public init(url text: String, from fromText: String) throws(SMTPConfigurationError) {
        // The URL is not echoed back in errors: it may carry a password.
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw SMTPConfigurationError("the SMTP URL is not a URL; write smtp://[user:pass@]host:port")
        }
        var security: Security
        switch scheme {
        case "smtp": security = .startTLSIfOffered
        case "smtps": security = .implicitTLS
        default: throw SMTPConfigurationError("the SMTP URL has scheme '\(scheme)'; use smtp:// or smtps://")
        }
        guard var host = components.host, !host.isEmpty else {
            throw SMTPConfigurationError("the SMTP URL has no host; write smtp://[user:pass@]host:port")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (security == .implicitTLS ? 465 : 25)
        guard (1...65535).contains(port) else {
            throw SMTPConfigurationError("the SMTP URL's port \(port) is out of range")
        }
        for item in components.queryItems ?? [] {
            switch (item.name.lowercased(), item.value?.lowercased()) {
            case ("starttls", "required") where security == .startTLSIfOffered:
                security = .startTLSRequired
            case ("starttls", "optional") where security == .startTLSIfOffered:
                break
            default:
                throw SMTPConfigurationError(
                    "the SMTP URL's query '\(item.name)=\(item.value ?? "")' is not understood; the only option is starttls=required or starttls=optional with smtp://"
                )
            }
        }
        let username = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password
        if username == nil, password != nil {
            throw SMTPConfigurationError("the SMTP URL has a password but no user name")
        }
        guard let from = EmailAddress(parsing: fromText) else {
            throw SMTPConfigurationError("the sender (HANDOFF_SMTP_FROM) must be an address such as handoff@example.com or Handoff <handoff@example.com>")
        }
        self.init(host: host, port: port, security: security, username: username, password: password ?? (username == nil ? nil : ""), from: from)
    }

    /// Without the password, so it can be logged.
    public var description: String {
        let user = username.map { "\($0):***@" } ?? ""
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let query = security == .startTLSRequired ? "?starttls=required" : ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(user)\(shownHost):\(port)\(query) from \(from.address)"
    }
}

/// HANDOFF_SMTP_URL or HANDOFF_SMTP_FROM could not be used; `message` says which part and how to fix it.
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
