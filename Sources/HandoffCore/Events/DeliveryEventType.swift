import Foundation

/// What a delivery carries, as `GET /v1/deliveries` names it in `event_type`:
/// one of the lead events channels subscribe to, or a channel test (`ping`),
/// which no channel subscribes to.
public enum DeliveryEventType: Sendable, Hashable, Codable, RawRepresentable {
    case event(EventType)
    case ping

    public init?(rawValue: String) {
        if rawValue == PingEvent.type {
            self = .ping
        } else if let type = EventType(rawValue: rawValue) {
            self = .event(type)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .event(let type): type.rawValue
        case .ping: PingEvent.type
        }
    }
}
