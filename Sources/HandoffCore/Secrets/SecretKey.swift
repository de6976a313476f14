import Crypto
import Foundation

/// HANDOFF_SECRET_KEY: the 32-byte key that seals the secrets the service has
/// to read back itself (webhook signing secrets), so that a copy of the
/// database or of a backup does not reveal them.
public struct SecretKey: Sendable {
    /// Kept as bytes: swift-crypto's SymmetricKey is not Sendable.
    private let bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }

    public static let byteCount = 32

    /// 32 bytes, written as base64 (44 characters) or hex (64); nil otherwise.
    public init?(text: String) {
        let text = text.trimmingWhitespace()
        var bytes: [UInt8]?
        if text.utf8.count == 2 * Self.byteCount, text.utf8.allSatisfy(\.isHexDigit) {
            bytes = stride(from: 0, to: text.utf8.count, by: 2).map { offset in
                let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
                return UInt8(String(text.utf8[start..<text.utf8.index(start, offsetBy: 2)])!, radix: 16)!
            }
        } else if let data = Data(base64Encoded: text) {
            bytes = Array(data)
        }
        guard let bytes, bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public static func generate() -> SecretKey {
        SecretKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The base64 form HANDOFF_SECRET_KEY accepts.
    public var text: String {
        Data(bytes).base64EncodedString()
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

/// A secret as it is stored: `sealed:v1:` and the base64 of an AES-GCM box
/// (nonce, ciphertext, tag) under HANDOFF_SECRET_KEY.
///
/// Values written before sealing existed have no prefix: they are read as
/// they are, and `serve` and `worker` seal them at start (`ChannelSecretStore`),
/// so a rolling deploy never leaves a channel unable to sign.
public enum SealedSecret {
    public static let prefix = "sealed:v1:"
    /// Binds a box to its purpose: a sealed value cannot be passed off as another kind of secret.
    static let purpose = Data("handoff webhook signing secret".utf8)

    public static func seal(_ plaintext: String, with key: SecretKey) -> String {
        // AES-GCM with a fresh random nonce cannot fail for a 32-byte key.
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: key.key, authenticating: purpose)
        return prefix + box.combined!.base64EncodedString()
    }

    public static func isSealed(_ stored: String) -> Bool {
        stored.hasPrefix(prefix)
    }

    /// The plaintext of a stored value; a legacy (unsealed) value as it is.
    /// Nil when it was sealed under another key, or is damaged.
    public static func open(_ stored: String, with key: SecretKey?) -> String? {
        guard isSealed(stored) else { return stored }
        guard let key, let data = Data(base64Encoded: String(stored.dropFirst(prefix.count))),
              let box = try? AES.GCM.SealedBox(combined: data),
              let plaintext = try? AES.GCM.open(box, using: key.key, authenticating: purpose)
        else { return nil }
        return String(decoding: plaintext, as: UTF8.self)
    }
}
