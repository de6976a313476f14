import Foundation

/// The JSON that configuration records take in the database (`jsonb`) and on
/// the wire: snake_case keys from the records' CodingKeys, RFC 3339 UTC
/// timestamps with milliseconds, and UUIDs in lowercase, as Postgres writes them.
public enum WireJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Timestamp.format(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return lowercasingUUIDs(try encoder.encode(value))
    }

    /// The same bytes for free-form JSON (a lead's answers and attributes),
    /// written by `JSONWriter` instead of through Codable: this runs for every
    /// lead (`JSONWriterTests` hold the two equal).
    public static func encode(_ object: [String: JSONValue]) throws -> Data {
        var writer = JSONWriter(lowercasingUUIDs: true)
        try writer.object(object)
        return Data(writer.bytes)
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an RFC 3339 timestamp like 2026-11-26T09:00:00Z")
            }
            return date
        }
        return try decoder.decode(type, from: data)
    }

    /// Swift writes UUIDs in uppercase; ids compare as text in jsonb and by
    /// clients, so every quoted UUID literal is lowercased.
    static func lowercasingUUIDs(_ data: Data) -> Data {
        var bytes = [UInt8](data)
        var index = 0
        while index + 37 < bytes.count {
            if bytes[index] == UInt8(ascii: "\""), bytes[index + 37] == UInt8(ascii: "\"") {
                let body = index + 1
                if isUUID(bytes[body..<body + 36]) {
                    for offset in 0..<36 where (65...70).contains(bytes[body + offset]) { bytes[body + offset] += 32 }
                    index += 38
                    continue
                }
            }
            index += 1
        }
        return Data(bytes)
    }

    /// A JSON string as `encode` writes it: lowercased when it is a UUID literal.
    public static func lowercasingUUID(_ text: String) -> String {
        // Ids the service wrote are lowercase already: returned as they are,
        // not lowercased into a new string again.
        guard text.utf8.count == 36, text.utf8.contains(where: { (65...70).contains($0) }), isUUID(text.utf8) else { return text }
        return text.lowercased()
    }

    /// Whether 36 bytes spell a UUID: hex digits in either case, hyphens at 8, 13, 18 and 23.
    private static func isUUID(_ text: some Collection<UInt8>) -> Bool {
        zip(0..., text).allSatisfy { offset, byte in
            switch offset {
            case 8, 13, 18, 23: byte == UInt8(ascii: "-")
            default: (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
            }
        }
    }
}
