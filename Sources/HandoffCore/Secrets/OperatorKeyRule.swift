/// What a provided HANDOFF_OPERATOR_KEY must be: it opens every tenant, so it
/// must not be guessable.
public enum OperatorKeyRule {
    public static let minimumLength = 32

    /// Why the key is refused, or nil when it is acceptable.
    public static func problem(with key: String) -> String? {
        guard key.count < minimumLength else { return nil }
        return "HANDOFF_OPERATOR_KEY is \(key.count) characters; it must be at least \(minimumLength). Generate one with `openssl rand -hex 24`, or unset it to have one generated for this run."
    }
}
