import Foundation
import Testing

@testable import HandoffCore

/// `JSONWriter` must write what `JSONEncoder` wrote before it, byte for byte:
/// the stored JSON (and the numbers' text, which jsonb keeps) may not change.
@Suite struct JSONWriterTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test("numbers: edge cases, random bit patterns and cents, as JSONEncoder writes them")
    func numbers() throws {
        var values: [Double] = [
            0, -0.0, 1, -1, 90, 87.5, 0.1, 0.30000000000000004, 2.5, 1e15, 1e16, 1e20, 1e21, 1e-5, 1e-7,
            123_456_789_012_345_678, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, Double(Int64.max), 9_007_199_254_740_993,
        ]
        var random = SeededGenerator(state: 42)
        for _ in 0..<5_000 { values.append(Double(bitPattern: random.next())) }
        for _ in 0..<5_000 { values.append(Double(Int.random(in: -10_000_000...10_000_000, using: &random)) / 100) }
        var mismatches: [String] = []
        for value in values where value.isFinite {
            var writer = JSONWriter()
            try writer.number(value)
            let expected = Array(try Self.encoder.encode(value))
            if writer.bytes != expected { mismatches.append("\(value): \(text(writer.bytes)) vs \(text(expected))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("NaN and infinity are not JSON: an error, as from JSONEncoder")
    func nonFinite() {
        for value in [Double.nan, .infinity, -.infinity] {
            var writer = JSONWriter()
            #expect(throws: EncodingError.self) { try writer.number(value) }
        }
    }

    @Test("strings: every ASCII character, quotes, backslashes, slashes, non-ASCII and emoji")
    func strings() throws {
        var samples = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        samples += ["", "Ana Schmidt", "a/b", "\"quoted\" \\ back", "Zürich", "東京", "😀 emoji", "\u{2028}\u{2029}", "e\u{301}"]
        var random = SeededGenerator(state: 7)
        for _ in 0..<500 { samples.append(randomString(using: &random)) }
        for sample in samples {
            var writer = JSONWriter()
            writer.string(sample)
            #expect(writer.bytes == Array(try Self.encoder.encode(sample)), "\(sample.debugDescription)")
        }
    }

    @Test("random answers: objects in JSONEncoder's key order; with UUID lowercasing, WireJSON.encode's bytes")
    func values() throws {
        var random = SeededGenerator(state: 2026)
        for _ in 0..<300 {
            guard case .object(let fields) = randomValue(depth: 0, using: &random) else { continue }
            var plain = JSONWriter()
            try plain.object(fields)
            #expect(plain.bytes == Array(try Self.encoder.encode(fields)))
            var wire = JSONWriter(lowercasingUUIDs: true)
            try wire.object(fields)
            // Through Codable, as `WireJSON.encode` of any other value goes.
            #expect(wire.bytes == Array(try WireJSON.encode(JSONValue.object(fields))))
        }
    }

    @Test("the API's free-form numbers: whole ones below 1e16 as integers, the rest as JSONEncoder writes them")
    func wholeNumbersAsIntegers() throws {
        let cases: [(Double, String)] = [
            (12, "12"), (-0.0, "0"), (0, "0"), (-3, "-3"), (9.1e15, "9100000000000000"), (-9_999_999_999_999_998, "-9999999999999998"),
            (1e16, "1e+16"), (-1e17, "-1e+17"), (0.5, "0.5"), (87.5, "87.5"), (1e-7, "1e-07"),
        ]
        for (value, expected) in cases {
            var writer = JSONWriter(wholeNumbersAsIntegers: true)
            try writer.value(.array([.number(value)]))
            #expect(text(writer.bytes) == "[\(expected)]", "\(value)")
        }
    }

    @Test("arrays and objects nest with commas only between elements")
    func nesting() throws {
        var writer = JSONWriter()
        try writer.value(["a": [1, [], [:], ["x": [true, .null]]], "b": [:], "c": []])
        #expect(text(writer.bytes) == #"{"a":[1,[],{},{"x":[true,null]}],"b":{},"c":[]}"#)
    }

    // MARK: - Generators

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func randomString(using random: inout SeededGenerator) -> String {
        let pieces = ["a", "B", "z", "_", "1", "10", "2", " ", "-", "é", "Ü", "東", "😀", "\n", "\t", "\u{1}", "\"", "\\", "/"]
        return (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    private func randomValue(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        let kinds = depth == 0 ? [5] : depth > 2 ? [0, 1, 2, 3, 6] : [0, 1, 2, 3, 4, 5, 6]
        switch kinds.randomElement(using: &random)! {
        case 0: return .string(randomString(using: &random))
        case 1: return .number(Double(Int.random(in: -1_000...1_000, using: &random)) / [1, 2, 10, 1_000].randomElement(using: &random)!)
        case 2: return .bool(Bool.random(using: &random))
        case 3: return .null
        case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        case 5:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                // Now and then a key that spells a UUID: WireJSON lowercases keys too.
                let key = Int.random(in: 0..<8, using: &random) == 0 ? UUID().uuidString : randomString(using: &random)
                fields[key] = randomValue(depth: depth + 1, using: &random)
            }
            return .object(fields)
        default:
            // A UUID in either case: WireJSON lowercases it, the plain writer does not.
            let id = UUID().uuidString
            return .string(Bool.random(using: &random) ? id : id.lowercased())
        }
    }
}
