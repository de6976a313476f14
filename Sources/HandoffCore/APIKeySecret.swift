import Crypto
import Foundation

/// A tenant API key as its holder sees it once: `hk_<prefix>_<secret>`.
///
/// The prefix is stored in the clear so a request finds its key row with one
/// index lookup; only the SHA-256 of the whole string is stored, so a database
/// leak yields no usable key.
public struct APIKeySecret: Sendable, Equatable {
    public static let scheme = "hk_"
    public let prefix: String
    public let plaintext: String
    /// Computed once: a request compares it with the operator key's and with
    /// the stored one.
    public let hash: Data

    init(prefix: String, plaintext: String) {
        self.prefix = prefix
        self.plaintext = plaintext
        self.hash = Self.hash(plaintext)
    }

    /// A new key with 8 characters of lookup prefix and 192 bits of secret.
    public static func generate() -> APIKeySecret {
        let prefix = randomToken(bytes: 6)
        let secret = randomToken(bytes: 24)
        return APIKeySecret(prefix: prefix, plaintext: "\(scheme)\(prefix)_\(secret)")
    }

    /// Parses a presented key; nil when it is not shaped like one of ours.
    public static func parse(_ presented: String) -> APIKeySecret? {
        guard presented.hasPrefix(scheme) else { return nil }
        let rest = presented.dropFirst(scheme.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let prefix = String(rest[..<separator])
        let secret = rest[rest.index(after: separator)...]
        guard prefix.count == 8, secret.count >= 16, presented.count <= 128 else { return nil }
        return APIKeySecret(prefix: prefix, plaintext: presented)
    }

    public static func hash(_ plaintext: String) -> Data {
        Data(SHA256.hash(data: Data(plaintext.utf8)))
    }

    /// URL-safe base64 without padding, so keys survive copy and paste and shells.
    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "x")
            .replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "_", with: "y")
    }
}

/// Compares secrets in time that depends only on their lengths, so response
/// timing tells an attacker nothing about how much of a guess was right.
/// Inlinable so callers get it specialized for their collections: every
/// authenticated request compares key hashes.
@inlinable
public func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
    return difference == 0
}
