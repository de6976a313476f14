/// The one gate every delivery error text passes before it is stored
/// (`delivery_attempts.error`, `deliveries.last_error`) and shown to the
/// tenant. Error texts are built from what receivers, resolvers and
/// libraries say, and a single NUL makes Postgres refuse the whole statement
/// that records a batch of attempts; control characters also garble the
/// logs and terminals the texts end up in, and an unbounded text bloats
/// every row that keeps it.
public enum DeliveryErrorText {
    /// UTF-8 bytes kept at most, the ellipsis included.
    public static let maxBytes = 1024

    /// `text` with tabs and line breaks turned into spaces, every other C0
    /// and C1 control character (NUL, ESC, DEL, …) removed, and cut to
    /// `maxBytes` on a character boundary with a trailing "…".
    public static func sanitized(_ text: String, maxBytes: Int = Self.maxBytes) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: scalars.append(" ")
            case 0x00..<0x20, 0x7F...0x9F: continue
            default: scalars.append(scalar)
            }
        }
        let clean = String(scalars)
        guard clean.utf8.count > maxBytes else { return clean }
        let ellipsis = "…"
        let budget = max(0, maxBytes - ellipsis.utf8.count)
        var cut = ""
        var used = 0
        for character in clean {
            let size = character.utf8.count
            if used + size > budget { break }
            cut.append(character)
            used += size
        }
        return cut + ellipsis
    }
}
