import Foundation
import Testing

/// A real SMTP server for the tests: python3's aiosmtpd on 127.0.0.1, on a
/// port the kernel picks. It prints `{"port": N}` and then one JSON line per
/// accepted message (envelope, raw bytes, and the headers and body as
/// Python's email package decodes them, a second opinion on our MIME).
///
/// The interpreter is HANDOFF_TEST_PYTHON, else /usr/bin/python3, which needs
/// Debian's python3-aiosmtpd. The script exits when its stdin closes, so it
/// goes away with the test process even if that one dies without cleaning up.
final class SMTPSink: @unchecked Sendable {
    struct Options {
        var refuse: [String] = []
        var auth: (user: String, password: String)?
        var tls: (certificate: String, key: String)?
        var requireTLS = false
        /// Accept connections and never say a word: for timeouts.
        var silent = false
    }

    struct Received: Decodable {
        var mailFrom: String
        var rcptTos: [String]
        var raw: String
        var subject: String
        var from: String
        var to: String
        var body: String
        var contentType: String
        var charset: String?
        var tls: Bool
        var auth: String?

        enum CodingKeys: String, CodingKey {
            case raw, subject, from, to, body, charset, tls, auth
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case contentType = "content_type"
        }
    }

    let port: Int
    private let process: Process
    private let stdin: Pipe
    private let output: LineCollector
    private let errors: LineCollector
    private let scriptURL: URL

    private init(port: Int, process: Process, stdin: Pipe, output: LineCollector, errors: LineCollector, scriptURL: URL) {
        self.port = port
        self.process = process
        self.stdin = stdin
        self.output = output
        self.errors = errors
        self.scriptURL = scriptURL
    }

    /// Runs `body` with a started server and always stops the server afterwards.
    static func with<T>(_ options: Options = Options(), _ body: (SMTPSink) async throws -> T) async throws -> T {
        let sink = try await start(options)
        do {
            let result = try await body(sink)
            sink.stop()
            return result
        } catch {
            sink.stop()
            throw error
        }
    }

    static func start(_ options: Options) async throws -> SMTPSink {
        let python = ProcessInfo.processInfo.environment["HANDOFF_TEST_PYTHON"] ?? "/usr/bin/python3"
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-smtp-sink-\(UUID().uuidString).py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)

        var arguments = [scriptURL.path]
        for address in options.refuse { arguments += ["--refuse", address] }
        if let auth = options.auth { arguments += ["--auth", "\(auth.user):\(auth.password)"] }
        if let tls = options.tls { arguments += ["--tls", tls.certificate, tls.key] }
        if options.requireTLS { arguments.append("--require-tls") }
        if options.silent { arguments.append("--silent") }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let output = LineCollector(stdout.fileHandleForReading)
        let errors = LineCollector(stderr.fileHandleForReading)
        try process.run()

        struct PortLine: Decodable { var port: Int }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let line = output.lines().first, let decoded = try? JSONDecoder().decode(PortLine.self, from: Data(line.utf8)) {
                output.drop(1)
                return SMTPSink(port: decoded.port, process: process, stdin: stdin, output: output, errors: errors, scriptURL: scriptURL)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: scriptURL)
        let stderrText = errors.lines().joined(separator: "\n")
        Issue.record("""
            \(python) could not start the aiosmtpd test server (set HANDOFF_TEST_PYTHON, or \
            apt-get install -y python3-aiosmtpd): \(stderrText)
            """)
        throw SinkError.didNotStart(stderrText)
    }

    enum SinkError: Error {
        case didNotStart(String)
        case noMessage(String)
    }

    /// The next message the server accepted, waiting up to `timeout`.
    func nextMessage(timeout: Duration = .seconds(10)) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.lines().first {
                output.drop(1)
                return try JSONDecoder().decode(Received.self, from: Data(line.utf8))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SinkError.noMessage("no message within \(timeout); server said: \(errors.lines().suffix(20).joined(separator: "\n"))")
    }

    /// Messages received so far and not yet taken.
    var pendingCount: Int { output.lines().count }

    func stop() {
        // Closing stdin is the polite way; terminate covers a wedged process.
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: scriptURL)
    }

    /// Collects a pipe's output line by line on a thread of its own, since
    /// reading a pipe blocks.
    final class LineCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var buffer = Data()
        private var complete: [String] = []

        init(_ handle: FileHandle) {
            let thread = Thread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.append(chunk)
                }
            }
            thread.start()
        }

        private func append(_ chunk: Data) {
            lock.lock()
            defer { lock.unlock() }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                complete.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer = Data(buffer[buffer.index(after: newline)...])
            }
        }

        func lines() -> [String] {
            lock.lock()
            defer { lock.unlock() }
            return complete
        }

        func drop(_ count: Int) {
            lock.lock()
            defer { lock.unlock() }
            complete.removeFirst(min(count, complete.count))
        }
    }

    static let script = #"""
        import argparse, asyncio, base64, email, email.policy, json, ssl, sys
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

        parser = argparse.ArgumentParser()
        parser.add_argument("--refuse", action="append", default=[])
        parser.add_argument("--auth")
        parser.add_argument("--tls", nargs=2)
        parser.add_argument("--require-tls", action="store_true")
        parser.add_argument("--silent", action="store_true")
        args = parser.parse_args()
        refused = {address.lower() for address in args.refuse}

        def emit(record):
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()

        class Sink:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower() in refused:
                    return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 Ok"

            async def handle_DATA(self, server, session, envelope):
                raw = envelope.content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                emit({
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "raw": base64.b64encode(raw).decode("ascii"),
                    "subject": str(message["subject"]),
                    "from": str(message["from"]),
                    "to": str(message["to"]),
                    "body": message.get_content(),
                    "content_type": message.get_content_type(),
                    "charset": message.get_content_charset(),
                    "tls": session.ssl is not None,
                    "auth": session.auth_data if isinstance(session.auth_data, str) else None,
                })
                return "250 2.0.0 Ok: queued"

        def authenticator(server, session, envelope, mechanism, auth_data):
            user, _, password = args.auth.partition(":")
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data="%s:%s" % (mechanism, user) if ok else None)

        def make_smtp(loop):
            options = {"hostname": "sink.test", "loop": loop}
            if args.auth:
                options.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.tls is not None)
            if args.tls:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(args.tls[0], args.tls[1])
                options.update(tls_context=context, require_starttls=args.require_tls)
            return SMTP(Sink(), **options)

        class Silent(asyncio.Protocol):
            def connection_made(self, transport):
                self.transport = transport

        async def main():
            loop = asyncio.get_running_loop()
            factory = Silent if args.silent else (lambda: make_smtp(loop))
            server = await loop.create_server(factory, "127.0.0.1", 0)
            emit({"port": server.sockets[0].getsockname()[1]})
            # Returns at EOF: when the test closes stdin, or its process dies.
            await loop.run_in_executor(None, sys.stdin.buffer.read)
            server.close()

        asyncio.run(main())
        """#
}
