import Foundation

/// A webhook channel's signing secrets as stored (sealed, `SealedSecret`):
/// the current one and, for `overlap` after a rotation, the one it replaced.
///
/// While both sign, every delivery carries two `v1,` signatures in its one
/// `webhook-signature` header (Standard Webhooks allows a list), so a
/// receiver verifying with either secret accepts it: the tenant can rotate
/// first and deploy the new secret to its receivers within the day, without
/// a refused delivery. Stripe keeps an old endpoint secret for up to 24 hours
/// the same way.
///
/// Rotating again while the old one still signs drops the oldest: the secret
/// that just stopped being current becomes the previous one, with a fresh
/// window. So at most two secrets ever sign, and a receiver that has the
/// newest secret, or the one before it, never misses a delivery.
public struct SigningSecrets: Sendable, Equatable {
    /// How long a replaced secret keeps signing.
    public static let overlap: TimeInterval = 24 * 60 * 60

    public var current: String?
    public var previous: String?
    /// When `previous` stops signing; set exactly when `previous` is.
    public var previousExpiresAt: Date?

    public init(current: String?, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.previous = previous
        self.previousExpiresAt = previous == nil ? nil : previousExpiresAt
    }

    /// The stored secrets that sign at `instant`, newest first: the current
    /// one, and the previous one until (not including) its expiry.
    public func signing(at instant: Date) -> [String] {
        var secrets: [String] = []
        if let current { secrets.append(current) }
        if let previous, let previousExpiresAt, instant < previousExpiresAt { secrets.append(previous) }
        return secrets
    }

    /// After a rotation at `now` to `newSecret`, sealed with `key`: the
    /// current secret signs on beside it until `now + overlap`. It is sealed
    /// anew, so a value stored before sealing existed (read as it is, see
    /// `SealedSecret.open`) is never kept in the clear; one that does not open
    /// under `key` could not sign anyway and is dropped. An earlier previous
    /// secret is dropped too.
    public func rotated(to newSecret: WebhookSecret, at now: Date, key: SecretKey) -> SigningSecrets {
        let previous = current.flatMap { SealedSecret.open($0, with: key) }.map { SealedSecret.seal($0, with: key) }
        return SigningSecrets(
            current: SealedSecret.seal(newSecret.text, with: key),
            previous: previous,
            previousExpiresAt: previous == nil ? nil : now.addingTimeInterval(Self.overlap)
        )
    }
}
