import Foundation

/// A channel test (`POST /v1/channels/{id}/test`), like GitHub's `ping`:
/// the envelope every event has, `type: "ping"`, and in `data` the channel it
/// tests, so a receiver can tell which of its endpoints was meant:
///
///     {"id": "…", "type": "ping", "created_at": "…", "tenant_id": "…",
///      "data": {"channel": {"id": "…", "name": "CRM webhook", "type": "webhook"}}}
///
/// It is not an `EventType`: those are what happened to a lead, and what a
/// channel's `events` subscribes to. A ping belongs to no lead, is sent to
/// the one channel it tests whatever that channel subscribes to, and is not
/// billed as a notification.
public struct PingEvent: Sendable, Equatable {
    /// The `type` a ping carries, and `events.type` holds.
    public static let type = "ping"

    public var id: UUID
    public var createdAt: Date
    public var tenantID: UUID
    public var channel: Channel

    /// The tested channel as the receiver may see it: no config (a Slack
    /// webhook URL is a credential) and no secret.
    public struct Channel: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var type: NotificationChannel.Kind

        public init(id: UUID, name: String, type: NotificationChannel.Kind) {
            self.id = id
            self.name = name
            self.type = type
        }
    }

    public init(id: UUID, createdAt: Date, tenantID: UUID, channel: Channel) {
        self.id = id
        self.createdAt = createdAt
        self.tenantID = tenantID
        self.channel = channel
    }

    /// The ping for `channel`, created at `now`.
    public init(testing channel: NotificationChannel, tenantID: UUID, id: UUID, now: Date) {
        self.init(
            id: id, createdAt: now, tenantID: tenantID,
            channel: Channel(id: channel.id, name: channel.name, type: channel.type)
        )
    }

    /// Why `channel` cannot be tested, or nil when it can. Only an e-mail
    /// channel that writes to each lead's owner (`to_owner`) cannot: a ping
    /// has no lead, so it has nobody to write to. An inactive channel can be
    /// tested, so that it is known to work before it is switched on.
    public static func refusal(for channel: NotificationChannel) -> String? {
        guard channel.type == .email, channel.config.toOwner == true else { return nil }
        return "This email channel writes to each lead's owner (`to_owner: true`), and a test message has no lead, so it has no recipient. "
            + "Test it with a channel that has a `to` list, or send a lead."
    }

    /// The stored payload, written like every event's: keys in sorted order,
    /// ids lowercase, timestamps with milliseconds (EventPayload+JSON.swift).
    public func encodedJSON() -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("created_at"); writer.timestamp(createdAt)
        writer.key("data")
        writer.beginObject()
        writer.key("channel")
        writer.beginObject()
        writer.key("id"); writer.id(channel.id)
        writer.key("name"); writer.string(channel.name)
        writer.key("type"); writer.string(channel.type.rawValue)
        writer.endObject()
        writer.endObject()
        writer.key("id"); writer.id(id)
        writer.key("tenant_id"); writer.id(tenantID)
        writer.key("type"); writer.string(Self.type)
        writer.endObject()
        return writer.bytes
    }

    /// Reads a stored payload back; nil when it is not a ping.
    public static func decode(from json: some Collection<UInt8>) -> PingEvent? {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(json)), wire.type == type,
              let createdAt = RFC3339Timestamp.parse(wire.createdAt),
              let kind = NotificationChannel.Kind(rawValue: wire.data.channel.type)
        else { return nil }
        return PingEvent(
            id: wire.id, createdAt: createdAt, tenantID: wire.tenantID,
            channel: Channel(id: wire.data.channel.id, name: wire.data.channel.name, type: kind)
        )
    }

    private struct Wire: Decodable {
        struct Data: Decodable {
            struct Channel: Decodable {
                var id: UUID
                var name: String
                var type: String
            }

            var channel: Channel
        }

        var id: UUID
        var type: String
        var createdAt: String
        var tenantID: UUID
        var data: Data

        enum CodingKeys: String, CodingKey {
            case id, type, data
            case createdAt = "created_at", tenantID = "tenant_id"
        }
    }
}
