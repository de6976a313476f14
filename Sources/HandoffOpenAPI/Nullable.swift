package import Foundation

/// A value that is present in every JSON object it belongs to, as `null` when
/// absent. The generator drops nil optionals from its output; the contract
/// says `"next_cursor": null`, so required-nullable fields use this instead.
package struct Nullable<Wrapped: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    package var value: Wrapped?

    package init(_ value: Wrapped?) {
        self.value = value
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? nil : try container.decode(Wrapped.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// Generated decoders call this overload for required `Nullable` fields, so
    /// an absent key reads as null. Swift's synthesized encoders omit nil
    /// optionals, and records reach the wire types through that JSON.
    package func decode<Wrapped>(_ type: Nullable<Wrapped>.Type, forKey key: Key) throws -> Nullable<Wrapped> {
        guard contains(key) else { return Nullable(nil) }
        return try Nullable<Wrapped>(from: superDecoder(forKey: key))
    }
}
