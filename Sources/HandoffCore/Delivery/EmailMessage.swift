import Foundation

/// A mailbox: an address and an optional display name.
///
/// Addresses are restricted to printable ASCII (no SMTPUTF8): every server
/// accepts them, and a CR, LF or angle bracket cannot reach a header or an
/// SMTP command line through them.
public struct EmailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let address: String
    public let name: String?

    public init?(address: String, name: String? = nil) {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard Self.isValid(trimmed) else { return nil }
        self.address = trimmed
        let cleanName = name.map(Self.singleLine)?.trimmingCharacters(in: .whitespaces)
        self.name = cleanName?.isEmpty == false ? cleanName : nil
    }

    /// `ops@example.com` or `Handoff <ops@example.com>` (the name may be quoted),
    /// as HANDOFF_SMTP_FROM is written.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            self.init(address: address, name: name)
        } else {
            self.init(address: trimmed)
        }
    }

    static func isValid(_ address: String) -> Bool {
        guard address.utf8.count <= 254,
              address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              !address.contains(where: { "<>()[]\\,;:\"".contains($0) }) else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    public var domain: String {
        address.split(separator: "@").last.map(String.init) ?? address
    }

    /// `"Name" <address>`, unencoded; for logs and errors.
    public var description: String {
        name.map { "\($0) <\(address)>" } ?? address
    }

    /// The mailbox as a header writes it: ASCII names quoted, others as
    /// RFC 2047 encoded-words.
    var headerValue: String {
        guard let name else { return address }
        return "\(MIMEHeader.phrase(name)) <\(address)>"
    }
}

/// A text/plain UTF-8 email, rendered as RFC 5322 + MIME with CRLF line ends.
///
/// The body goes out quoted-printable, so every line is 7-bit and short
/// whatever the answers contain, and a server without 8BITMIME takes it
/// unchanged. Dot-stuffing is the SMTP client's job, not this type's.
public struct EmailMessage: Sendable, Equatable {
    public var from: EmailAddress
    public var to: [EmailAddress]
    public var subject: String
    public var body: String
    public var date: Date
    /// With angle brackets: `<id@domain>`.
    public var messageID: String

    public init(from: EmailAddress, to: [EmailAddress], subject: String, body: String, date: Date, messageID: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID ?? "<\(UUID().lowercasedString)@\(from.domain)>"
    }

    /// The envelope recipients (RCPT TO), in order, without repeats.
    public var recipients: [String] {
        var seen = Set<String>()
        return to.map(\.address).filter { seen.insert($0.lowercased()).inserted }
    }

    /// The whole message: headers, a blank line, the encoded body.
    public func rendered() -> [UInt8] {
        var lines = [
            MIMEHeader.fold("From", from.headerValue),
            MIMEHeader.fold("To", to.map(\.headerValue).joined(separator: ", ")),
            MIMEHeader.fold("Subject", MIMEHeader.unstructured(subject)),
            "Date: \(MIMEHeader.date(date))",
            "Message-ID: \(messageID)",
            // RFC 3834: tells auto-responders not to answer a notification.
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
        ]
        lines.append(QuotedPrintable.encode(body))
        return Array(lines.joined(separator: "\r\n").utf8) + Array("\r\n".utf8)
    }
}

/// Header encodings: RFC 2047 encoded-words, folding, the RFC 5322 date.
enum MIMEHeader {
    /// Raw bytes per encoded-word: 36 bytes are 48 base64 characters, so a
    /// word is 60 characters and `Subject: ` plus one stays under 76.
    private static let bytesPerWord = 36

    /// Free text such as a subject: as is when it is plain ASCII, else
    /// encoded-words split between characters, never inside one.
    static func unstructured(_ text: String) -> String {
        let line = EmailAddress.singleLine(text)
        if isPlainASCII(line), !line.contains("=?") { return line }
        return encodedWords(line)
    }

    /// A display name: a quoted-string when ASCII, else encoded-words.
    static func phrase(_ text: String) -> String {
        if isPlainASCII(text) {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(text)
    }

    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > bytesPerWord, !chunk.isEmpty {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        // Whitespace between adjacent encoded-words is dropped by decoders,
        // so folding between them adds no space to the text.
        return words.joined(separator: "\r\n ")
    }

    private static func word(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// `Name: value`, folded at spaces to keep lines under 78 characters
    /// where the value allows it.
    static func fold(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for (segmentIndex, segment) in value.components(separatedBy: "\r\n ").enumerated() {
            if segmentIndex > 0 {
                lines.append(current)
                current = ""
            }
            for (wordIndex, word) in segment.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                // Never break between `Name:` and the first word: a header
                // line must carry some of its value.
                let mayBreak = !current.isEmpty && !(segmentIndex == 0 && wordIndex == 0)
                if mayBreak, !word.isEmpty, current.count + 1 + word.count > 78 {
                    lines.append(current)
                    current = ""
                }
                // The space before each word is the folding white space of a
                // continuation line, or the original space between words.
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 date-time in UTC: `Thu, 26 Nov 2026 09:05:00 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekday = weekdays[((parts.weekday ?? 1) - 1 + 7) % 7]
        let month = months[((parts.month ?? 1) - 1 + 12) % 12]
        return String(
            format: "%@, %02d %@ %04d %02d:%02d:%02d +0000",
            weekday, parts.day ?? 1, month, parts.year ?? 1970, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
        )
    }
}

/// RFC 2045 quoted-printable for a UTF-8 text body.
enum QuotedPrintable {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Line ends become CRLF; each encoded line is at most 76 characters,
    /// long ones continued with soft breaks (`=` at the end).
    static func encode(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false)
            .map { encodeLine(Array($0.utf8)) }
            .joined(separator: "\r\n")
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var output: [String] = []
        var current = ""
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let token: String
            switch byte {
            case 0x21...0x3C, 0x3E...0x7E:
                token = String(UnicodeScalar(byte))
            case 0x20 where !isLast, 0x09 where !isLast:
                // Trailing whitespace is stripped by some relays; only there it is encoded.
                token = String(UnicodeScalar(byte))
            default:
                token = "=" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
            }
            // 75 leaves room for the soft-break `=` within 76.
            if current.utf8.count + token.utf8.count > 75 {
                output.append(current + "=")
                current = ""
            }
            current += token
        }
        output.append(current)
        return output.joined(separator: "\r\n")
    }
}
