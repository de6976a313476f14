import Foundation
import HandoffCore
import HandoffOpenAPI

extension Components.Schemas.Event {
    /// The event exactly as webhooks carry it: the generated type read from
    /// the bytes of its one writer, `HandoffEvent.encodedJSON()`.
    init(_ event: HandoffEvent) throws {
        self = try WireJSON.decode(Self.self, from: Data(event.encodedJSON()))
    }
}
