import Foundation
import HandoffCore
import Testing

@Suite("Trimming whitespace")
struct StringWhitespaceTests {
    static let samples = [
        "", " ", "\t\n\r ", "Ana", "  Ana  ", "\tAna Müller\n", "Ana  Müller", " a b ",
        "\u{00A0}DE\u{3000}", "\u{2028}x\u{2029}", "\u{0085}line\u{000B}\u{000C}", "🇩🇪 ", " é",
    ]

    @Test("gives what Foundation's trimming over whitespacesAndNewlines gives", arguments: samples)
    func matchesFoundation(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("keeps inner whitespace and works on substrings")
    func innerAndSubstring() {
        #expect("  New  York \n".trimmingWhitespace() == "New  York")
        let header = "Bearer   hk_live_abc  "
        #expect(header.split(separator: " ", maxSplits: 1)[1].trimmingWhitespace() == "hk_live_abc")
    }
}
