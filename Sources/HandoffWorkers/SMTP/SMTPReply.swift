/// One server reply: a three-digit code and its text, possibly over several
/// lines (`250-first`, `250-second`, `250 last`).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    public var isIntermediate: Bool { (300..<400).contains(code) }
    /// 5xx: trying again will not help; 4xx may pass later.
    public var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// As the server wrote it, lines joined: `550 5.1.1 User unknown`.
    public var description: String {
        lines.isEmpty ? String(code) : lines.map { "\(code) \($0)" }.joined(separator: " / ")
    }
}

/// Collects reply lines until the last one (RFC 5321 4.2.1): a line is three
/// digits, then `-` when more follow, or a space or nothing when it is the last.
struct SMTPReplyParser {
    /// A server that sends more lines than this in one reply is not an SMTP server.
    static let maxLines = 200

    private var code: Int?
    private var lines: [String] = []

    enum Outcome: Equatable {
        case needMore
        case complete(SMTPReply)
    }

    mutating func consume(_ line: String) throws(SMTPError) -> Outcome {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (0x30...0x39).contains($0) }),
              let lineCode = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
            throw .protocolViolation("expected a reply starting with a three-digit code, got '\(Self.excerpt(line))'")
        }
        let separator: UInt8? = bytes.count > 3 ? bytes[3] : nil
        guard separator == nil || separator == UInt8(ascii: "-") || separator == UInt8(ascii: " ") else {
            throw .protocolViolation("malformed reply line '\(Self.excerpt(line))'")
        }
        if let code, code != lineCode {
            throw .protocolViolation("a multi-line reply changed its code from \(code) to \(lineCode)")
        }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maxLines else {
            throw .protocolViolation("a reply ran past \(Self.maxLines) lines")
        }
        if separator == UInt8(ascii: "-") { return .needMore }
        let reply = SMTPReply(code: lineCode, lines: lines)
        self = SMTPReplyParser()
        return .complete(reply)
    }

    static func excerpt(_ line: String) -> String {
        line.count > 80 ? String(line.prefix(80)) + "…" : line
    }
}
