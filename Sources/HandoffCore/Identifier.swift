import Foundation

extension UUID {
    /// A version 7 UUID: 48 bits of Unix milliseconds, then randomness.
    /// Time-ordered ids index and page well and need no database sequence.
    public static func v7(at instant: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        return v7(at: instant, using: &generator)
    }

    public static func v7(at instant: Date, using generator: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, (instant.timeIntervalSince1970 * 1000).rounded(.down)))
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - UInt64(index))))
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 9562 variant
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }
}
