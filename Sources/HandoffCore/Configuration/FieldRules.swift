import Foundation

/// Shapes of single values that several resources share.
public enum FieldRules {
    /// A practical e-mail shape: one `@`, a non-empty local part, a dotted
    /// domain, no spaces. Deliverability is the mail server's business.
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count <= 254 else { return false }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty else { return false }
        guard !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }

    /// A phone number as people write it: digits with optional `+`, spaces,
    /// dashes, dots and parentheses; 5 to 20 digits.
    public static func isPhone(_ text: String) -> Bool {
        let allowed = Set("0123456789+ -.()")
        let digits = text.filter(\.isNumber).count
        return text.allSatisfy { allowed.contains($0) } && (5...20).contains(digits)
    }

    /// Where deliveries may be sent: https, or http too when private targets are
    /// allowed (local receivers in development and tests).
    public static func checkTargetURL(_ text: String, allowInsecure: Bool) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "must be an absolute URL"
        }
        if scheme == "https" || (scheme == "http" && allowInsecure) { return nil }
        return allowInsecure ? "must be an http or https URL" : "must be an https URL"
    }
}

extension Validator {
    /// An optional trimmed text: nil stays nil; blank and too long are errors.
    public mutating func optionalText(_ value: String?, _ field: String, maxLength: Int = 200) -> String? {
        guard let value else { return nil }
        return name(value, field, maxLength: maxLength)
    }

    public mutating func email(_ value: String?, _ field: String) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        check(FieldRules.isEmail(trimmed), field, "must be an e-mail address like ana@example.com")
        return trimmed
    }

    public mutating func timeZone(_ value: String?, _ field: String) {
        guard let value else { return }
        check(CalendarInput.isTimeZoneName(value), field, "must be an IANA time zone name like Europe/Berlin")
    }
}
