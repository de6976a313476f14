import Foundation
import HandoffCore
import Testing

@Suite("API key secrets")
struct APIKeySecretTests {
    @Test("a generated key parses back to its prefix and hash")
    func roundTrip() throws {
        let key = APIKeySecret.generate()
        #expect(key.plaintext.hasPrefix("hk_\(key.prefix)_"))
        let parsed = try #require(APIKeySecret.parse(key.plaintext))
        #expect(parsed.prefix == key.prefix)
        #expect(parsed.hash == key.hash)
        #expect(key.hash.count == 32)
    }

    @Test("generated keys differ and survive a shell and a URL")
    func unique() {
        let keys = (0..<200).map { _ in APIKeySecret.generate() }
        #expect(Set(keys.map(\.plaintext)).count == 200)
        #expect(Set(keys.map(\.prefix)).count == 200)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-"))
        #expect(keys.allSatisfy { $0.plaintext.unicodeScalars.allSatisfy(allowed.contains) })
        #expect(keys.allSatisfy { $0.prefix.count == 8 })
    }

    @Test("strings not shaped like our keys are refused", arguments: ["", "hk_", "hk_short_secretsecretsecret", "op_abcdefgh_0123456789abcdef", "hk_abcdefgh_short", "hk_abcdefgh"])
    func malformed(_ text: String) {
        #expect(APIKeySecret.parse(text) == nil)
    }

    @Test("constant-time comparison agrees with ==")
    func constantTime() {
        let a = Array("secret-value".utf8)
        #expect(constantTimeEquals(a, a))
        #expect(!constantTimeEquals(a, Array("secret-valuf".utf8)))
        #expect(!constantTimeEquals(a, Array("secret".utf8)))
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
    }
}

@Suite("UUIDv7 ids")
struct IdentifierTests {
    @Test("version and variant bits are set, and the time prefix orders ids")
    func shape() {
        let earlier = UUID.v7(at: Date(timeIntervalSince1970: 1_800_000_000))
        let later = UUID.v7(at: Date(timeIntervalSince1970: 1_800_000_000.002))
        let text = earlier.uuidString.lowercased()
        #expect(Array(text)[14] == "7")
        #expect(["8", "9", "a", "b"].contains(Array(text)[19]))
        #expect(earlier.uuidString.lowercased() < later.uuidString.lowercased())
        // 1_800_000_000_000 ms = 0x01A3185C5000
        #expect(text.hasPrefix("01a3185c-5000"))
    }

    @Test("the 74 random bits come from two draws of the generator, each byte of them used")
    func randomBits() {
        struct Fixed: RandomNumberGenerator {
            var words: [UInt64] = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210]
            mutating func next() -> UInt64 { words.removeFirst() }
        }
        var generator = Fixed()
        let id = UUID.v7(at: Date(timeIntervalSince1970: 1_800_000_000), using: &generator)
        #expect(generator.words.isEmpty)
        // The time 01a3185c5000 over the first word's six high bytes; version 7
        // over 0xCD's low nibble; 0xEF; the variant over 0xFE's low six bits;
        // then the second word's other seven bytes.
        #expect(id.uuidString.lowercased() == "01a3185c-5000-7def-bedc-ba9876543210")
    }

    @Test("lowercasedString is Foundation's uuidString, lowercased")
    func lowercasedText() {
        var random = SeededGenerator(state: 9562)
        let edges = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                     UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        for id in edges + (0..<2_000).map({ _ in UUID.v7(at: Date(), using: &random) }) + (0..<100).map({ _ in UUID() }) {
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
        #expect(edges[1].lowercasedString == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }
}

@Suite struct UUIDv7OrderTests {
    @Test func idsOfOneMillisecondSortInTheOrderTheyWereMade() {
        let instant = Date(timeIntervalSince1970: 1_800_000_000.123)
        let ids = (0..<1_000).map { _ in UUID.v7(at: instant) }
        let texts = ids.map { $0.uuidString.lowercased() }
        #expect(texts == texts.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(texts.allSatisfy { $0.hasPrefix(texts[0].prefix(13)) && $0[$0.index($0.startIndex, offsetBy: 14)] == "7" })
    }
}
