@testable import HandoffTestSupport
import Foundation
import HandoffCore
@testable import HandoffWorkers
import Testing

/// The parts of the SMTP client that need no server.
@Suite("SMTP protocol pieces")
struct SMTPProtocolTests {
    @Test("multi-line replies are collected until the line without a dash")
    func multiLineReply() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.consume("250-sink.test") == .needMore)
        #expect(try parser.consume("250-STARTTLS") == .needMore)
        #expect(try parser.consume("250-AUTH PLAIN LOGIN") == .needMore)
        let outcome = try parser.consume("250 HELP")
        #expect(outcome == .complete(SMTPReply(code: 250, lines: ["sink.test", "STARTTLS", "AUTH PLAIN LOGIN", "HELP"])))
        // The parser starts afresh after a complete reply; a bare code is a reply too.
        #expect(try parser.consume("221") == .complete(SMTPReply(code: 221, lines: [""])))
    }

    @Test("malformed replies are protocol errors", arguments: ["hello", "25", "2x0 ok", "250_ok"])
    func malformedReply(_ line: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPError.self) { try parser.consume(line) }
    }

    @Test("a reply may not change its code halfway")
    func changingCode() throws {
        var parser = SMTPReplyParser()
        _ = try parser.consume("250-first")
        #expect(throws: SMTPError.self) { try parser.consume("550 second") }
    }

    @Test("DATA: line ends become CRLF, leading dots are doubled, and the terminator follows")
    func dataEncoding() {
        let encoded = SMTPDataEncoding.encode(Array("a\n.b\r\n.\rc\r\n..d".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "a\r\n..b\r\n..\r\nc\r\n...d\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode(Array("x\r\n".utf8)), as: UTF8.self) == "x\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode([]), as: UTF8.self) == "\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode(Array(".".utf8)), as: UTF8.self) == "..\r\n.\r\n")
    }

    @Test("HANDOFF_SMTP_URL forms")
    func configuration() throws {
        let plain = try SMTPConfiguration(url: "smtp://mail.example.com", from: "alerts@example.com")
        #expect(plain.host == "mail.example.com")
        #expect(plain.port == 25)
        #expect(plain.security == .startTLSIfOffered)
        #expect(plain.username == nil && plain.password == nil)
        #expect(plain.from.address == "alerts@example.com")

        let required = try SMTPConfiguration(url: "smtp://u%20x:p%40ss@mail.example.com:587?starttls=required", from: "Handoff <a@example.com>")
        #expect(required.port == 587)
        #expect(required.security == .startTLSRequired)
        #expect(required.username == "u x")
        #expect(required.password == "p@ss")
        #expect(required.from.name == "Handoff")
        #expect(required.description == "smtp://u x:***@mail.example.com:587?starttls=required from a@example.com")

        let implicit = try SMTPConfiguration(url: "smtps://[::1]", from: "a@example.com")
        #expect(implicit.security == .implicitTLS)
        #expect(implicit.port == 465)
        #expect(implicit.host == "::1")
    }

    @Test("unusable settings are refused with what to fix, never echoing the password", arguments: [
        ("http://mail.example.com", "a@example.com", "scheme"),
        ("smtp://", "a@example.com", "no host"),
        ("smtp://:secretpw@mail.example.com", "a@example.com", "no user name"),
        ("smtp://mail.example.com?tls=yes", "a@example.com", "not understood"),
        ("smtp://mail.example.com", "not an address", "HANDOFF_SMTP_FROM"),
        ("smtp://u:secretpw@mail.example.com:99999", "a@example.com", "out of range"),
    ])
    func badConfiguration(url: String, from: String, expected: String) {
        do {
            _ = try SMTPConfiguration(url: url, from: from)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("secretpw"))
        }
    }

    @Test("only 5xx and configuration problems are permanent")
    func permanence() {
        #expect(SMTPError.unexpectedReply(command: "DATA", reply: SMTPReply(code: 554, lines: ["no"])).isPermanent)
        #expect(!SMTPError.unexpectedReply(command: "DATA", reply: SMTPReply(code: 451, lines: ["later"])).isPermanent)
        #expect(!SMTPError.connectionFailed(host: "h", port: 25, reason: "refused").isPermanent)
        #expect(SMTPError.startTLSUnavailable.isPermanent)
        #expect(!SMTPError.recipientsRefused([.init(address: "a@b", reply: SMTPReply(code: 450, lines: ["busy"]))]).isPermanent)
    }
}
