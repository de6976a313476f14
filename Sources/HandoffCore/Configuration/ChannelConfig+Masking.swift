import Foundation

extension ChannelConfig {
    /// What a key that may only read sees. A Slack incoming-webhook URL is a
    /// bearer credential (whoever has it can post into the customer's Slack),
    /// and a webhook URL may carry a password, a token in its query or its
    /// path: both are cut to their origin. Admin keys see them whole.
    public func masked() -> ChannelConfig {
        var copy = self
        copy.webhookURL = webhookURL.map(Self.origin)
        copy.url = url.map(Self.origin)
        return copy
    }

    static func origin(_ text: String) -> String {
        guard let url = URLComponents(string: text), let scheme = url.scheme,
              let host = url.percentEncodedHost, !host.isEmpty
        else { return "***" }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")/***"
    }
}
