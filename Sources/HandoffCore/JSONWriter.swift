import Foundation

/// JSON written straight into bytes, for what every lead stores as JSON: its
/// answers, attributes and routing, and its event's payload. `JSONEncoder` takes
/// those through Codable's generic machinery, the largest single cost of the
/// API's CPU on intake after its round trips (`bench/intake`).
///
/// It writes what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// writes, byte for byte: whole numbers without ".0", the same escapes, keys in
/// the order of their UTF-8 bytes (`JSONWriterTests` hold it to that).
/// Objects with fixed keys are written by their callers, keys in that order.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// `WireJSON.encode`'s rule: a string that spells a UUID is written lowercase.
    let lowercasingUUIDs: Bool
    /// The API's rule for free-form JSON's numbers: `JSONValue.apiInteger`.
    let wholeNumbersAsIntegers: Bool
    /// One entry per open object or array: whether anything was written in it yet.
    private var opened: [(isArray: Bool, isEmpty: Bool)] = []

    public init(lowercasingUUIDs: Bool = false, wholeNumbersAsIntegers: Bool = false, capacity: Int = 512) {
        self.lowercasingUUIDs = lowercasingUUIDs
        self.wholeNumbersAsIntegers = wholeNumbersAsIntegers
        bytes.reserveCapacity(capacity)
    }

    // MARK: Containers

    public mutating func beginObject() {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        opened.append((false, true))
    }

    /// A member's key; its value is what is written next.
    public mutating func key(_ name: String) {
        if opened[opened.count - 1].isEmpty {
            opened[opened.count - 1].isEmpty = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func endObject() {
        opened.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        opened.append((true, true))
    }

    public mutating func endArray() {
        opened.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    // MARK: Values

    public mutating func string(_ text: String) {
        beginValue()
        writeString(text)
    }

    public mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// `JSONEncoder`'s form: the shortest text that reads back as the same
    /// Double, without a trailing ".0". NaN and infinity are not JSON.
    public mutating func number(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        beginValue()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func integer(_ value: Int) {
        beginValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func integer(_ value: Int?) {
        if let value { integer(value) } else { null() }
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    public mutating func bool(_ value: Bool?) {
        if let value { bool(value) } else { null() }
    }

    public mutating func null() {
        beginValue()
        bytes.append(contentsOf: Self.nullBytes)
    }

    /// Lowercase, as Postgres and the API print UUIDs.
    public mutating func id(_ value: UUID?) {
        string(value.map { $0.lowercasedString })
    }

    /// RFC 3339 with milliseconds, as everywhere in the API.
    public mutating func timestamp(_ value: Date?) {
        string(value.map(RFC3339Timestamp.format))
    }

    public mutating func value(_ value: JSONValue) throws {
        switch value {
        case .string(let text): string(text)
        case .number(let number):
            if wholeNumbersAsIntegers, let whole = JSONValue.apiInteger(number) {
                integer(whole)
            } else {
                try self.number(number)
            }
        case .bool(let flag): bool(flag)
        case .null: null()
        case .array(let items):
            beginArray()
            for item in items { try self.value(item) }
            endArray()
        case .object(let fields): try object(fields)
        }
    }

    public mutating func object(_ fields: [String: JSONValue]) throws {
        beginObject()
        for (name, field) in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(name)
            try value(field)
        }
        endObject()
    }

    // MARK: -

    /// A comma before every element of an array but its first.
    private mutating func beginValue() {
        guard let last = opened.last, last.isArray else { return }
        if last.isEmpty {
            opened[opened.count - 1].isEmpty = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    private mutating func writeString(_ text: String) {
        let text = lowercasingUUIDs ? WireJSON.lowercasingUUID(text) : text
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escape: copied whole, not byte by byte.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])       // \"
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])       // \\
            case 0x08: bytes.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8), nullBytes = Array("null".utf8)
}
