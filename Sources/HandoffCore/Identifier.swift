import Foundation
import Synchronization

extension UUID {
    /// The id as the API, payloads and traces write it: lowercase hex with
    /// hyphens. What `uuidString.lowercased()` gives, without Foundation's
    /// `snprintf` (it showed in intake's profile, where every lead writes a
    /// dozen ids) and a second string.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
                var out = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = hex(byte >> 4)
                    buffer[out + 1] = hex(byte & 0x0F)
                    out += 2
                }
                return out
            }
        }
    }

    /// A version 7 UUID: 48 bits of Unix milliseconds, then randomness.
    /// Time-ordered ids index and page well and need no database sequence.
    ///
    /// Ids made in the same millisecond by this process still sort in the
    /// order they were made (RFC 9562's monotonic counter in `rand_a`), so
    /// "newest first" lists and timelines never shuffle rows of one instant.
    public static func v7(at instant: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        var uuid = v7(at: instant, using: &generator).uuid
        let millis = UInt64(max(0, (instant.timeIntervalSince1970 * 1000).rounded(.down)))
        let counter: UInt16? = counters.withLock { counters in
            // One counter per millisecond value, so ids made for different
            // instants (a clock stepped back, tests' own clocks) never reset
            // each other's sequence.
            guard let last = counters[millis], last < 0x0FFF else {
                // A new millisecond: start low in the 12 bits, leaving room to count up.
                if counters.count >= 256 { counters.removeAll(keepingCapacity: true) }
                counters[millis] = UInt16(uuid.6 & 0x07) << 8 | UInt16(uuid.7)
                return nil
            }
            counters[millis] = last + 1
            return last + 1
        }
        if let counter {
            uuid.6 = 0x70 | UInt8(counter >> 8)
            uuid.7 = UInt8(truncatingIfNeeded: counter)
        } else {
            uuid.6 &= 0x77  // the counter's top bit clear
        }
        return UUID(uuid: uuid)
    }

    private static let counters = Mutex<[UInt64: UInt16]>([:])

    public static func v7(at instant: Date, using generator: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, (instant.timeIntervalSince1970 * 1000).rounded(.down)))
        // Two draws of 64 bits, not sixteen of 8: each draw of the system
        // generator is a getrandom(2) call, and intake makes six ids per lead.
        var bytes = withUnsafeBytes(of: (generator.next().bigEndian, generator.next().bigEndian)) { Array($0) }
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
