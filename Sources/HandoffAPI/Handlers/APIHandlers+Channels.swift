import Foundation
import HandoffCore
import HandoffOpenAPI
import HandoffStore

extension APIHandlers {
    func createChannel(_ input: Operations.CreateChannel.Input) async throws -> Operations.CreateChannel.Output {
        let channel = try await createConfig(ChannelInput.self, makeChannel)
        return .created(.init(body: .json(try created(channel))))
    }

    func listChannels(_ input: Operations.ListChannels.Input) async throws -> Operations.ListChannels.Output {
        var filter: [String: Any] = [:]
        if let type = input.query._type { filter["type"] = type.rawValue }
        if let active = input.query.active { filter["active"] = active }
        let (records, next) = try await listConfig(NotificationChannel.self, limit: input.query.limit, cursor: input.query.cursor, filter: filter)
        return .ok(.init(body: .json(.init(data: try records.map { try wire(forCaller($0)) }, nextCursor: .init(next)))))
    }

    func getChannel(_ input: Operations.GetChannel.Input) async throws -> Operations.GetChannel.Output {
        .ok(.init(body: .json(try wire(forCaller(await getConfig(NotificationChannel.self, id: input.path.id))))))
    }

    /// The channel as the calling key may see it: targets that are
    /// credentials are masked for keys that may not change them (`read`).
    private func forCaller(_ channel: NotificationChannel) -> NotificationChannel {
        guard case .tenantKey(_, _, let scopes) = RequestIdentity.current, !scopes.contains(.admin) else { return channel }
        var masked = channel
        masked.config = channel.config.masked()
        return masked
    }

    func updateChannel(_ input: Operations.UpdateChannel.Input) async throws -> Operations.UpdateChannel.Output {
        .ok(.init(body: .json(try wire(await updateConfig(ChannelInput.self, id: input.path.id, makeChannel)))))
    }

    func deleteChannel(_ input: Operations.DeleteChannel.Input) async throws -> Operations.DeleteChannel.Output {
        try await deleteConfig(.channel, id: input.path.id)
        return .noContent(.init())
    }

    /// A new secret signs from now on; the one it replaces signs beside it
    /// for a day (`SigningSecrets`), so receivers can move over without
    /// refusing a delivery. Type check, rotation and write are one transaction.
    func rotateChannelSecret(_ input: Operations.RotateChannelSecret.Input) async throws -> Operations.RotateChannelSecret.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "channel")
        let now = clock()
        let secretKey = secretKey
        let result = try await ChannelSecretStore(database: database).rotate(tenantID: tenantID, channelID: id, now: now) { secrets in
            secrets.rotated(to: WebhookSecret.generate(), at: now, key: secretKey)
        }
        switch result {
        case .rotated(let channel, let secrets):
            configurationCache.invalidate(tenantID: tenantID)
            guard let secret = try opened(channel.secret) else { throw Problem.internalError }
            var body: Components.Schemas.ChannelSecretRotated = try wire(channel)
            body.value2.secret = secret
            body.value2.previousSecretExpiresAt = Nullable(secrets.previousExpiresAt)
            return .ok(.init(body: .json(body)))
        case .notWebhook(let type):
            throw Problem.conflict("Only webhook channels have signing secrets; this one is \(type).")
        case .notFound:
            throw Problem.notFound("channel")
        }
    }

    /// A `ping` to this one channel now, as GitHub and Stripe test a webhook:
    /// an event and its delivery, stored together and sent by the dispatcher,
    /// which the outbox signal wakes as it does after intake.
    func testChannel(_ input: Operations.TestChannel.Input) async throws -> Operations.TestChannel.Output {
        let tenantID = try RequestIdentity.tenantID()
        let id = try UUID(pathID: input.path.id, resource: "channel")
        switch try await DeliveryStore(database: database).queuePing(tenantID: tenantID, channelID: id, now: clock()) {
        case .queued(let delivery):
            outbox.raise()
            return .accepted(.init(body: .json(try wire(delivery))))
        case .refused(let reason):
            throw Problem.conflict(reason)
        case .notFound:
            throw Problem.notFound("channel")
        }
    }

    /// A new webhook channel's signing secret is stored sealed (HANDOFF_SECRET_KEY).
    private var makeChannel: Make<NotificationChannel, ChannelInput> {
        let allowInsecure = allowPrivateTargets
        let secretKey = secretKey
        return { input, existing, id, now in
            NotificationChannel.make(from: input, existing: existing, id: id, now: now, allowInsecureTargets: allowInsecure) {
                SealedSecret.seal(WebhookSecret.generate().text, with: secretKey)
            }
        }
    }

    /// The channel with its secret, the one time a client sees it.
    private func created(_ channel: NotificationChannel) throws -> Components.Schemas.ChannelCreated {
        var body: Components.Schemas.ChannelCreated = try wire(channel)
        body.value2.secret = try opened(channel.secret)
        return body
    }

    /// A stored secret in the clear, for the response that shows it once.
    private func opened(_ sealed: String?) throws -> String? {
        try sealed.map { sealed in
            guard let secret = SealedSecret.open(sealed, with: secretKey) else { throw Problem.internalError }
            return secret
        }
    }
}
