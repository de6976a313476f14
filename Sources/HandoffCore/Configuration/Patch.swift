/// One field of a create or update body, keeping what JSON Merge Patch
/// (RFC 7396) needs and Swift optionals lose: a key that is absent leaves the
/// stored value alone, `null` clears it, a value replaces it.
public enum Patch<Value: Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }
}

extension Patch: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }
}

extension Patch: Equatable where Value: Equatable {}

extension KeyedDecodingContainer {
    /// Synthesized `Decodable` conformances call this overload for `Patch`
    /// properties, so a missing key decodes as `.absent` instead of failing.
    public func decode<Value: Decodable>(_ type: Patch<Value>.Type, forKey key: Key) throws -> Patch<Value> {
        guard contains(key) else { return .absent }
        return try Patch<Value>(from: superDecoder(forKey: key))
    }
}

extension Validator {
    /// A required field: the new value, else the stored one on update; `null`
    /// and (on create) absence are errors.
    public mutating func required<Value>(_ patch: Patch<Value>, current: Value?, _ field: String) -> Value? {
        switch patch {
        case .value(let value): return value
        case .null:
            fail(field, "must not be null")
            return nil
        case .absent:
            if current == nil { fail(field, "is required") }
            return current
        }
    }

    /// A field with a default: the new value, else the stored one, else the
    /// default. It has no null state, so `null` is an error, not a reset.
    public mutating func defaulted<Value>(_ patch: Patch<Value>, current: Value?, default value: Value, _ field: String) -> Value {
        if case .null = patch { fail(field, "must not be null; leave it out to keep the current value") }
        return patch.value ?? current ?? value
    }

    /// A nullable field: `null` clears it, absence keeps the stored value.
    public func optional<Value>(_ patch: Patch<Value>, current: Value?) -> Value? {
        switch patch {
        case .value(let value): return value
        case .null: return nil
        case .absent: return current
        }
    }
}
