import Foundation
import HandoffCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Hands one message to an SMTP server (RFC 5321) and returns once the server
/// has accepted it, or throws an `SMTPError` saying why not.
///
/// One connection per message: email channels send a handful of messages a
/// minute, and a fresh connection cannot inherit a half-broken session.
/// The exchange: greeting, EHLO (HELO for servers that don't know it),
/// STARTTLS when offered (or required), AUTH PLAIN or LOGIN when the
/// configuration has credentials, MAIL FROM, RCPT TO per recipient, DATA,
/// QUIT — all of it under one overall timeout.
public struct SMTPClient: Sendable {
    public var eventLoopGroup: any EventLoopGroup
    /// For the whole exchange, connecting included.
    public var timeout: Duration
    /// Trust roots and the like for STARTTLS and smtps://; the system's roots
    /// and full verification by default.
    public var tlsConfiguration: TLSConfiguration
    /// The name given in EHLO.
    public var clientName: String
    public var logger: Logger

    public init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(60),
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        clientName: String? = nil,
        logger: Logger = Logger(label: "handoff.smtp")
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
        self.tlsConfiguration = tlsConfiguration
        self.clientName = clientName ?? Self.defaultClientName
        self.logger = logger
    }

    public func send(message: EmailMessage, via configuration: SMTPConfiguration) async throws {
        guard !message.recipients.isEmpty else { throw SMTPError.noRecipients }
        let progress = NIOLockedValueBox(SMTPProgress())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.converse(message: message, configuration: configuration, progress: progress)
            }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                let stage = progress.withLockedValue { $0.stage }
                throw SMTPError.timedOut(seconds: Self.seconds(self.timeout), stage: stage)
            }
            do {
                try await group.next()
                group.cancelAll()
            } catch {
                group.cancelAll()
                // Closing ends any read or write the exchange is blocked in,
                // so the group does not wait for a server that went silent.
                let (channel, accepted) = progress.withLockedValue { ($0.channel, $0.accepted) }
                channel?.close(promise: nil)
                // Timing out in QUIT after the server took the message is no
                // failure: reporting one would make the caller send it twice.
                if !accepted { throw error }
            }
        }
    }

    private func converse(message: EmailMessage, configuration: SMTPConfiguration, progress: NIOLockedValueBox<SMTPProgress>) async throws {
        let serverHostname = IPAddress(configuration.host) == nil ? configuration.host : nil
        let implicitTLS = configuration.security == .implicitTLS ? try makeTLSContext() : nil
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.nanoseconds(Self.nanoseconds(timeout)))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                            )
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw SMTPError.connectionFailed(host: configuration.host, port: configuration.port, reason: Self.describeConnectError(error))
        }
        progress.withLockedValue { $0.channel = channel.channel }

        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(
                inbound: inbound.makeAsyncIterator(),
                outbound: outbound,
                progress: progress,
                logger: logger,
                tlsActive: configuration.security == .implicitTLS
            )
            try await session.expect(220, after: "the greeting")
            var extensions = try await session.hello(clientName)

            if !session.tlsActive {
                let offered = extensions["STARTTLS"] != nil
                if configuration.security == .startTLSRequired, !offered { throw SMTPError.startTLSUnavailable }
                if offered {
                    try await session.command("STARTTLS", expecting: 220)
                    let context = try makeTLSContext()
                    try await session.startTLS(on: channel.channel, context: context, serverHostname: serverHostname)
                    // RFC 3207: forget what was learnt before TLS and ask again.
                    extensions = try await session.hello(clientName)
                }
            }

            if let username = configuration.username {
                let isLoopback = configuration.host == "localhost" || IPAddress(configuration.host)?.range == .loopback
                guard session.tlsActive || isLoopback else { throw SMTPError.insecureAuthentication(host: configuration.host) }
                try await session.authenticate(
                    username: username, password: configuration.password ?? "", offered: extensions["AUTH"] ?? []
                )
            }

            try await session.command("MAIL FROM:<\(configuration.from.address)>", expecting: 250)
            var refused: [SMTPError.RefusedRecipient] = []
            for recipient in message.recipients {
                let reply = try await session.send("RCPT TO:<\(recipient)>")
                if reply.code != 250, reply.code != 251 {
                    refused.append(.init(address: recipient, reply: reply))
                }
            }
            if !refused.isEmpty {
                // Send to everyone or to no one: a retry after a partial send
                // would mail the accepted recipients twice.
                _ = try? await session.send("RSET")
                await session.quit()
                throw SMTPError.recipientsRefused(refused)
            }

            try await session.command("DATA", expecting: 354)
            try await session.writeData(SMTPDataEncoding.encode(message.rendered()))
            try await session.expect(250, after: "the end of DATA")
            // The message is accepted; a failed QUIT must not make the caller retry it.
            progress.withLockedValue { $0.accepted = true }
            await session.quit()
        }
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw SMTPError.tlsFailed("the TLS configuration could not be loaded: \(error)")
        }
    }

    /// The host name as EHLO wants it, when it looks like one; servers check
    /// only the syntax, and `localhost` passes that everywhere. Looked up once
    /// per process: on Linux `hostName` may ask the resolver, which blocks.
    private static let defaultClientName: String = {
        let name = ProcessInfo.processInfo.hostName
        let valid = !name.isEmpty && name.count <= 253
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        return valid ? name : "localhost"
    }()

    /// NIO wraps a refused connection in one error per resolved address;
    /// the first says what the operator needs to know.
    private static func describeConnectError(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return "\(first.error)" }
            if let dns = connection.dnsAAAAError ?? connection.dnsAError { return "the host name did not resolve (\(dns))" }
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return "no answer to the connection attempt"
        }
        return "\(error)"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// What the exchange is doing, for the timeout's message, the channel to
/// close when the timeout fires, and whether the message is already accepted.
struct SMTPProgress: Sendable {
    var stage = "connecting"
    var channel: (any Channel)?
    /// The server answered 250 to the message; from here on nothing is an error.
    var accepted = false
}

/// The command-and-reply half of the client: one connection's state.
private struct SMTPSession {
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let progress: NIOLockedValueBox<SMTPProgress>
    let logger: Logger
    var tlsActive: Bool

    /// Sends one command line and reads its reply.
    mutating func send(_ line: String, logAs shown: String? = nil) async throws -> SMTPReply {
        let stage = "waiting for the reply to \(shown ?? line)"
        logger.debug("SMTP >", metadata: ["line": "\(shown ?? line)"])
        do {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
        } catch {
            throw Self.map(error, stage: "sending \(shown ?? line)")
        }
        return try await reply(stage: stage)
    }

    mutating func command(_ line: String, expecting code: Int, logAs shown: String? = nil) async throws {
        let answer = try await send(line, logAs: shown)
        guard answer.code == code else { throw SMTPError.unexpectedReply(command: shown ?? line, reply: answer) }
    }

    mutating func expect(_ code: Int, after what: String) async throws {
        let answer = try await reply(stage: "waiting for \(what)")
        guard answer.code == code else { throw SMTPError.unexpectedReply(command: what, reply: answer) }
    }

    /// EHLO, or HELO for a server that rejects it; the extensions it
    /// advertised, by upper-case keyword, with their parameters.
    mutating func hello(_ name: String) async throws -> [String: [String]] {
        let answer = try await send("EHLO \(name)")
        if answer.code == 250 { return Self.extensions(from: answer) }
        guard answer.isPermanentFailure else { throw SMTPError.unexpectedReply(command: "EHLO \(name)", reply: answer) }
        try await command("HELO \(name)", expecting: 250)
        return [:]
    }

    static func extensions(from reply: SMTPReply) -> [String: [String]] {
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            var words = line.uppercased().split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst()
            // Some old servers advertise `AUTH=PLAIN LOGIN`.
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            extensions[keyword, default: []].append(contentsOf: words)
        }
        return extensions
    }

    /// Puts TLS under the line decoder and waits for the handshake, so a
    /// refused certificate is reported as such. The server sends nothing
    /// between its 220 and the handshake, so no plain-text bytes can be left
    /// buffered above the new handler.
    mutating func startTLS(on channel: any Channel, context: NIOSSLContext, serverHostname: String?) async throws {
        progress.withLockedValue { $0.stage = "in the TLS handshake" }
        do {
            let handshake = try await channel.eventLoop.submit {
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                let promise = channel.eventLoop.makePromise(of: Void.self)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSHandshakeWaiter(promise: promise), position: .after(tls))
                return promise.futureResult
            }.get()
            try await handshake.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError.tlsFailed("\(error)")
        }
        tlsActive = true
    }

    mutating func authenticate(username: String, password: String, offered: [String]) async throws {
        if offered.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            let answer = try await send("AUTH PLAIN \(token)", logAs: "AUTH PLAIN ***")
            guard answer.code == 235 else { throw SMTPError.authenticationFailed(answer) }
        } else if offered.contains("LOGIN") {
            let challenge = try await send("AUTH LOGIN")
            guard challenge.code == 334 else { throw SMTPError.authenticationFailed(challenge) }
            let userChallenge = try await send(Data(username.utf8).base64EncodedString(), logAs: "(user name)")
            guard userChallenge.code == 334 else { throw SMTPError.authenticationFailed(userChallenge) }
            let answer = try await send(Data(password.utf8).base64EncodedString(), logAs: "(password)")
            guard answer.code == 235 else { throw SMTPError.authenticationFailed(answer) }
        } else {
            throw SMTPError.authenticationUnavailable(offered: offered)
        }
    }

    mutating func writeData(_ bytes: [UInt8]) async throws {
        progress.withLockedValue { $0.stage = "sending the message (\(bytes.count) bytes)" }
        logger.debug("SMTP > (message)", metadata: ["bytes": "\(bytes.count)"])
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
        } catch {
            throw Self.map(error, stage: "sending the message")
        }
    }

    /// Says goodbye without caring how the server takes it.
    mutating func quit() async {
        _ = try? await send("QUIT")
    }

    private mutating func reply(stage: String) async throws -> SMTPReply {
        progress.withLockedValue { $0.stage = stage }
        var parser = SMTPReplyParser()
        while true {
            let line: ByteBuffer?
            do {
                line = try await inbound.next()
            } catch {
                throw Self.map(error, stage: stage)
            }
            guard let line else { throw SMTPError.connectionClosed(stage: stage) }
            let text = String(buffer: line)
            if case .complete(let answer) = try parser.consume(text) {
                logger.debug("SMTP <", metadata: ["reply": "\(answer)"])
                return answer
            }
        }
    }

    private static func map(_ error: any Error, stage: String) -> any Error {
        if error is SMTPError { return error }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            return SMTPError.tlsFailed("\(error)")
        }
        return SMTPError.connectionClosed(stage: "\(stage): \(error)")
    }
}
