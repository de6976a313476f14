import Crypto
import Foundation

/// A webhook endpoint's signing secret, shown to the tenant once as
/// `whsec_<base64>` (the Standard Webhooks form, which their libraries accept as is).
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"

    /// The HMAC key: the bytes the base64 part decodes to, not the text.
    public let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// Parses `whsec_<base64>`; the prefix is optional, as in the reference
    /// libraries, and so is base64 padding. Nil when the rest is not base64 or
    /// is empty.
    public init?(_ text: String) {
        var encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        let remainder = encoded.utf8.count % 4
        if remainder != 0 { encoded += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
        key = Array(data)
    }

    /// `whsec_` and the key in standard base64, as shown to the tenant.
    public var text: String { Self.prefix + Data(key).base64EncodedString() }

    /// 32 random bytes: the spec asks for 24 to 64, and 256 bits matches the HMAC.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public static func generate(using generator: inout some RandomNumberGenerator) -> WebhookSecret {
        WebhookSecret(key: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// The three headers a signed webhook carries.
public struct WebhookHeaders: Sendable, Equatable {
    public static let idName = "webhook-id"
    public static let timestampName = "webhook-timestamp"
    public static let signatureName = "webhook-signature"

    public var id: String
    public var timestamp: Int64
    public var signature: String

    /// As (name, value) pairs, ready for an HTTP request.
    public var fields: [(name: String, value: String)] {
        [(Self.idName, id), (Self.timestampName, String(timestamp)), (Self.signatureName, signature)]
    }
}

/// Standard Webhooks signing (https://www.standardwebhooks.com, spec in
/// github.com/standard-webhooks/standard-webhooks): `v1,` and the base64
/// HMAC-SHA256 of `"<id>.<timestamp>.<body>"` under the secret's key.
/// `webhook-id` stays the same across retries so receivers can dedupe.
public enum WebhookSignature {
    public static func sign(id: String, timestamp: Int64, body: some Sequence<UInt8>, secret: WebhookSecret) -> String {
        "v1," + Data(mac(id: id, timestamp: timestamp, body: body, key: secret.key)).base64EncodedString()
    }

    /// The headers for one attempt. The timestamp is the attempt's own time
    /// (whole Unix seconds), so a retry a day later is not refused as stale.
    public static func headers(id: String, at instant: Date, body: some Sequence<UInt8>, secret: WebhookSecret) -> WebhookHeaders {
        headers(id: id, at: instant, body: body, secrets: [secret])
    }

    /// The headers for one attempt signed with each of `secrets`, in their
    /// order: `v1,<sig> v1,<sig>` in the one `webhook-signature` header, as
    /// the spec lists several signatures, so that a receiver holding any one
    /// of the secrets accepts it (`SigningSecrets`: a rotation's overlap).
    public static func headers(id: String, at instant: Date, body: some Sequence<UInt8>, secrets: [WebhookSecret]) -> WebhookHeaders {
        let timestamp = Int64(instant.timeIntervalSince1970.rounded(.down))
        let bytes = Array(body)
        let signature = secrets.map { sign(id: id, timestamp: timestamp, body: bytes, secret: $0) }.joined(separator: " ")
        return WebhookHeaders(id: id, timestamp: timestamp, signature: signature)
    }

    static func mac(id: String, timestamp: Int64, body: some Sequence<UInt8>, key: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }
}

/// Why a received webhook was not accepted.
public enum WebhookVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHeader(String)
    case invalidTimestamp(String)
    case timestampTooOld(Int64)
    case timestampTooNew(Int64)
    case noMatchingSignature

    public var description: String {
        switch self {
        case .missingHeader(let name): "missing header \(name)"
        case .invalidTimestamp(let value): "webhook-timestamp '\(value)' is not whole Unix seconds"
        case .timestampTooOld(let value): "webhook-timestamp \(value) is older than the tolerance; possibly a replay"
        case .timestampTooNew(let value): "webhook-timestamp \(value) is further in the future than the tolerance"
        case .noMatchingSignature: "no v1 signature in webhook-signature matches the body under this secret"
        }
    }
}

/// The receiving side, as the spec's reference libraries verify: header names
/// case-insensitive, a timestamp within `tolerance` of now (5 minutes, the
/// spec's suggestion), and any of the space-separated `v1,` signatures
/// matching, compared in constant time. Other versions are skipped so a
/// sender can roll to a new scheme or a new secret while both are listed.
public struct WebhookVerifier: Sendable {
    public var secret: WebhookSecret
    public var tolerance: TimeInterval

    public init(secret: WebhookSecret, tolerance: TimeInterval = 300) {
        self.secret = secret
        self.tolerance = tolerance
    }

    public func verify(body: some Sequence<UInt8>, headers: [String: String], now: Date) throws(WebhookVerificationError) {
        var lowercased: [String: String] = [:]
        for (name, value) in headers { lowercased[name.lowercased()] = value }
        guard let id = lowercased[WebhookHeaders.idName], !id.isEmpty else {
            throw .missingHeader(WebhookHeaders.idName)
        }
        guard let timestampText = lowercased[WebhookHeaders.timestampName] else {
            throw .missingHeader(WebhookHeaders.timestampName)
        }
        guard let signatures = lowercased[WebhookHeaders.signatureName], !signatures.isEmpty else {
            throw .missingHeader(WebhookHeaders.signatureName)
        }
        let trimmed = timestampText.trimmingCharacters(in: .whitespaces)
        guard let timestamp = Int64(trimmed) else { throw .invalidTimestamp(timestampText) }
        let age = now.timeIntervalSince1970 - TimeInterval(timestamp)
        if age > tolerance { throw .timestampTooOld(timestamp) }
        if age < -tolerance { throw .timestampTooNew(timestamp) }

        let expected = WebhookSignature.mac(id: id, timestamp: timestamp, body: body, key: secret.key)
        for candidate in signatures.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let decoded = Data(base64Encoded: String(parts[1])) else { continue }
            if constantTimeEquals(Array(decoded), expected) { return }
        }
        throw .noMatchingSignature
    }
}
