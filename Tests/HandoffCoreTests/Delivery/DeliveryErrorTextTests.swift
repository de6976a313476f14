import HandoffCore
import Testing

/// What every delivery error text becomes before it is stored and shown.
@Suite struct DeliveryErrorTextTests {
    @Test func nulAndControlCharactersAreRemovedAndLineBreaksBecomeSpaces() {
        #expect(DeliveryErrorText.sanitized("a\u{0}b\u{1B}[31m\u{7F}\u{85}c") == "ab[31mc")
        #expect(DeliveryErrorText.sanitized("line 1\r\nline 2\tend") == "line 1  line 2 end")
    }

    @Test func ordinaryTextIsKeptAsItIs() {
        let text = "HTTP 503 from the receiver: \"Service Unavailable – bitte später\" 🙂"
        #expect(DeliveryErrorText.sanitized(text) == text)
    }

    @Test func aLongTextIsCutOnACharacterBoundaryWithinTheCap() {
        let long = String(repeating: "é", count: 2_000)  // 2 bytes each
        let cut = DeliveryErrorText.sanitized(long)
        #expect(cut.utf8.count <= DeliveryErrorText.maxBytes)
        #expect(cut.hasSuffix("…"))
        #expect(cut.dropLast().allSatisfy { $0 == "é" })
        #expect(DeliveryErrorText.sanitized(String(repeating: "x", count: 1_024)).count == 1_024)
        #expect(DeliveryErrorText.sanitized(String(repeating: "x", count: 1_025)).utf8.count == 1_024)
    }
}
