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
        let hex: (UInt8) -> Bool = { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
        var index = 0
        while index + 37 < bytes.count {
            if bytes[index] == UInt8(ascii: "\""), bytes[index + 37] == UInt8(ascii: "\"") {
                let body = index + 1
                let isUUID = (0..<36).allSatisfy { offset in
                    [8, 13, 18, 23].contains(offset) ? bytes[body + offset] == UInt8(ascii: "-") : hex(bytes[body + offset])
                }
                if isUUID {
                    for offset in 0..<36 where (65...70).contains(bytes[body + offset]) { bytes[body + offset] += 32 }
                    index += 38
                    continue
                }
            }
            index += 1
        }
        return Data(bytes)
    }
}
