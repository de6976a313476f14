@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffWorkers
import NIOSSL
import Testing

/// The SMTP client against a real server (aiosmtpd, see SMTPSink).
@Suite("SMTP client against aiosmtpd")
struct SMTPClientTests {
    static let sentAt = Date(timeIntervalSince1970: 1_795_683_900)

    func configuration(_ sink: SMTPSink, userInfo: String = "", query: String = "", host: String = "127.0.0.1") throws -> SMTPConfiguration {
        try SMTPConfiguration(url: "smtp://\(userInfo)\(host):\(sink.port)\(query)", from: "Handoff Alerts <alerts@handoff.test>")
    }

    func message(to recipients: [String], subject: String = "Neuer Lead: Jürgen Müller (Größe 87)", body: String = "Hallo\n") throws -> EmailMessage {
        let from = try #require(EmailAddress(address: "alerts@handoff.test", name: "Handoff Ärger-Bot"))
        let to = try recipients.map { try #require(EmailAddress(address: $0)) }
        return EmailMessage(from: from, to: to, subject: subject, body: body, date: Self.sentAt)
    }

    @Test("a message arrives whole: envelope, every recipient, encoded subject, dot-stuffed lines")
    func delivers() async throws {
        try await SMTPSink.with { sink in
            let body = """
                Zeile eins mit Umlauten: äöü ß
                .starts with a dot
                .
                ..two dots
                a long line \(String(repeating: "lorem ipsum ", count: 20))end
                """
            let recipients = ["anna@example.com", "ben@example.com", "carla@example.org"]
            try await SMTPClient(timeout: .seconds(10)).send(
                message: message(to: recipients, body: body), via: configuration(sink)
            )
            let received = try await sink.nextMessage()
            #expect(received.mailFrom == "alerts@handoff.test")
            #expect(received.rcptTos == recipients)
            #expect(received.subject == "Neuer Lead: Jürgen Müller (Größe 87)")
            #expect(received.from == "Handoff Ärger-Bot <alerts@handoff.test>")
            #expect(received.to == "anna@example.com, ben@example.com, carla@example.org")
            #expect(received.contentType == "text/plain")
            #expect(received.charset == "utf-8")
            // The server undid the dot-stuffing: the lines are as written,
            // and the lone "." did not end the message early.
            // Python keeps the wire's CRLF line ends in the decoded text.
            let text = received.body.replacingOccurrences(of: "\r\n", with: "\n")
            let lines = text.components(separatedBy: "\n")
            #expect(lines.contains(".starts with a dot"))
            #expect(lines.contains("."))
            #expect(lines.contains("..two dots"))
            #expect(text.hasPrefix("Zeile eins mit Umlauten: äöü ß\n"))
            #expect(text.contains("a long line \(String(repeating: "lorem ipsum ", count: 20))end"))
            let raw = try #require(Data(base64Encoded: received.raw))
            #expect(String(decoding: raw, as: UTF8.self).contains("\r\n.starts with a dot\r\n"))
            #expect(!received.tls)
        }
    }

    @Test("a refused recipient is an error naming it and the server's reply, and nothing is sent")
    func refusedRecipient() async throws {
        var options = SMTPSink.Options()
        options.refuse = ["nobody@example.com"]
        try await SMTPSink.with(options) { sink in
            let client = SMTPClient(timeout: .seconds(10))
            let error = await #expect(throws: SMTPError.self) {
                try await client.send(message: message(to: ["anna@example.com", "nobody@example.com"]), via: configuration(sink))
            }
            guard case .recipientsRefused(let refused)? = error else {
                Issue.record("expected recipientsRefused, got \(String(describing: error))")
                return
            }
            #expect(refused.map(\.address) == ["nobody@example.com"])
            #expect(refused.first?.reply.code == 550)
            #expect(error?.isPermanent == true)
            #expect(error?.description.contains("nobody@example.com") == true)
            #expect(error?.description.contains("User unknown") == true)

            // The first message must not have gone to anna: the next one the
            // server receives is this second one.
            try await client.send(message: message(to: ["anna@example.com"], subject: "second"), via: configuration(sink))
            let received = try await sink.nextMessage()
            #expect(received.subject == "second")
            #expect(sink.pendingCount == 0)
        }
    }

    @Test("AUTH PLAIN with the URL's percent-decoded credentials")
    func authenticates() async throws {
        var options = SMTPSink.Options()
        options.auth = ("ops@handoff.test", "s3cret:pass")
        try await SMTPSink.with(options) { sink in
            let config = try configuration(sink, userInfo: "ops%40handoff.test:s3cret%3Apass@")
            #expect(config.username == "ops@handoff.test")
            #expect(config.password == "s3cret:pass")
            #expect(!config.description.contains("s3cret"))
            try await SMTPClient(timeout: .seconds(10)).send(message: message(to: ["anna@example.com"]), via: config)
            let received = try await sink.nextMessage()
            #expect(received.auth == "PLAIN:ops@handoff.test")
        }
    }

    @Test("a wrong password and a missing one are refused with the server's reply")
    func authenticationFailures() async throws {
        var options = SMTPSink.Options()
        options.auth = ("ops", "right")
        try await SMTPSink.with(options) { sink in
            let client = SMTPClient(timeout: .seconds(10))
            let wrong = await #expect(throws: SMTPError.self) {
                try await client.send(message: message(to: ["anna@example.com"]), via: configuration(sink, userInfo: "ops:wrong@"))
            }
            guard case .authenticationFailed(let reply)? = wrong else {
                Issue.record("expected authenticationFailed, got \(String(describing: wrong))")
                return
            }
            #expect(reply.code == 535)

            let missing = await #expect(throws: SMTPError.self) {
                try await client.send(message: message(to: ["anna@example.com"]), via: configuration(sink))
            }
            guard case .unexpectedReply(let command, let missingReply)? = missing else {
                Issue.record("expected unexpectedReply, got \(String(describing: missing))")
                return
            }
            #expect(command.hasPrefix("MAIL FROM"))
            #expect(missingReply.code == 530)
            #expect(sink.pendingCount == 0)
        }
    }

    @Test("a server that is down is a connection error that says so")
    func serverDown() async throws {
        // A port that was just free: start a sink, note its port, stop it.
        let port = try await SMTPSink.with { $0.port }
        let config = try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", from: "alerts@handoff.test")
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(timeout: .seconds(10)).send(message: message(to: ["anna@example.com"]), via: config)
        }
        guard case .connectionFailed(let host, let failedPort, let reason)? = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(host == "127.0.0.1")
        #expect(failedPort == port)
        #expect(reason.lowercased().contains("refused"))
        #expect(error?.isPermanent == false)
        #expect(error?.description.contains("HANDOFF_SMTP_URL") == true)
    }

    @Test("a server that never answers runs into the overall timeout")
    func silentServer() async throws {
        var options = SMTPSink.Options()
        options.silent = true
        try await SMTPSink.with(options) { sink in
            let started = ContinuousClock.now
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPClient(timeout: .milliseconds(500)).send(message: message(to: ["anna@example.com"]), via: configuration(sink))
            }
            guard case .timedOut(_, let stage)? = error else {
                Issue.record("expected timedOut, got \(String(describing: error))")
                return
            }
            #expect(stage.contains("greeting"))
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("STARTTLS when offered, verified against the trusted certificate, then AUTH over TLS")
    func startTLS() async throws {
        let tls = try TestCertificate.make()
        defer { tls.remove() }
        var options = SMTPSink.Options()
        options.tls = (tls.certificatePath, tls.keyPath)
        options.requireTLS = true
        options.auth = ("ops", "secret")
        try await SMTPSink.with(options) { sink in
            var trusting = TLSConfiguration.makeClientConfiguration()
            trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(tls.certificatePath))
            let client = SMTPClient(timeout: .seconds(10), tlsConfiguration: trusting)
            try await client.send(
                message: message(to: ["anna@example.com"]),
                via: configuration(sink, userInfo: "ops:secret@", query: "?starttls=required", host: "localhost")
            )
            let received = try await sink.nextMessage()
            #expect(received.tls)
            #expect(received.auth == "PLAIN:ops")

            // The same server with the system's trust roots: our test
            // certificate is nobody's, so the handshake must fail.
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPClient(timeout: .seconds(10)).send(
                    message: message(to: ["anna@example.com"]), via: configuration(sink, host: "localhost")
                )
            }
            guard case .tlsFailed(let reason)? = error else {
                Issue.record("expected tlsFailed, got \(String(describing: error))")
                return
            }
            #expect(reason.uppercased().contains("CERTIFICATE"), "\(reason)")
        }
    }

    @Test("starttls=required against a server without STARTTLS stops before MAIL FROM")
    func startTLSRequired() async throws {
        try await SMTPSink.with { sink in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPClient(timeout: .seconds(10)).send(
                    message: message(to: ["anna@example.com"]), via: configuration(sink, query: "?starttls=required")
                )
            }
            #expect(error == .startTLSUnavailable)
            #expect(sink.pendingCount == 0)
        }
    }

    @Test("an email rendered from a lead event arrives with every answer")
    func leadEmail() async throws {
        try await SMTPSink.with { sink in
            let event = SMTPTestEvents.assigned()
            let content = LeadEmailContent(event: event, now: Self.sentAt)
            let config = try configuration(sink)
            let mail = EmailMessage(
                from: config.from, to: [try #require(EmailAddress(address: "anna@example.com"))],
                subject: content.subject, body: content.body, date: Self.sentAt
            )
            try await SMTPClient(timeout: .seconds(10)).send(message: mail, via: config)
            let received = try await sink.nextMessage()
            #expect(received.subject == content.subject)
            #expect(received.subject.contains("Jürgen Müller"))
            for (question, _) in event.data.lead.answers {
                #expect(received.body.contains(question))
            }
            #expect(received.body.contains("Größe des Teams: 12"))
            #expect(received.from == "Handoff Alerts <alerts@handoff.test>")
        }
    }
}

/// A throwaway self-signed certificate for localhost and 127.0.0.1, made
/// with the openssl command-line tool.
struct TestCertificate {
    var directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(directory: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", certificate.keyPath, "-out", certificate.certificatePath, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            certificate.remove()
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl could not make a test certificate"])
        }
        return certificate
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
