import Crypto
import Foundation

/// Responses kept for `Idempotency-Key` replays are sealed, because some carry
/// secrets shown once (a new API key, a webhook signing secret). The key is
/// derived from the Idempotency-Key and the credential the caller presented:
/// the database holds the first but never the second (API keys are stored as
/// hashes, the operator key not at all), so no reader of the database, and no
/// other key of the same tenant, can open a stored response. Only the caller
/// retrying with its own key and the same Idempotency-Key can.
public enum ReplaySeal {
    /// The first byte of a sealed body; a stored body without it predates sealing.
    static let version: UInt8 = 1
    static let info = Data("handoff idempotency replay v1".utf8)

    public static func key(idempotencyKey: String, credential: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(credential.utf8)),
            salt: Data(idempotencyKey.utf8), info: info, outputByteCount: 32
        )
    }

    public static func seal(_ body: Data, with key: SymmetricKey) -> Data {
        // AES-GCM with a fresh random nonce cannot fail for a 32-byte key.
        Data([version]) + (try! AES.GCM.seal(body, using: key).combined!)
    }

    public enum Opened: Sendable, Equatable {
        case body(Data)
        /// Stored before bodies were sealed.
        case unsealed(Data)
        /// Sealed for another caller, or damaged.
        case notYours
    }

    public static func open(_ stored: Data, with key: SymmetricKey) -> Opened {
        guard stored.first == version else { return .unsealed(stored) }
        guard let box = try? AES.GCM.SealedBox(combined: stored.dropFirst()),
              let body = try? AES.GCM.open(box, using: key)
        else { return .notYours }
        return .body(body)
    }
}
