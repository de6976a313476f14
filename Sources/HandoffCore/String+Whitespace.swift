extension StringProtocol {
    /// The text without leading and trailing whitespace (Unicode White_Space,
    /// newlines included): what `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gives, without the NSString bridge, which showed in intake's profile
    /// (validation and routing conditions trim every field they read).
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
