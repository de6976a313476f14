import Foundation
import HandoffCore
import Testing

/// Which secrets sign a webhook at a given instant around a rotation, and
/// what a rotation keeps: the rules behind `rotate-secret`'s 24-hour overlap.
@Suite("Signing secrets around a rotation")
struct SigningSecretsTests {
    let key = SecretKey.generate()
    let rotatedAt = Date(timeIntervalSince1970: 1_795_597_200)  // 2026-11-25 09:00 UTC

    func opened(_ stored: [String]) -> [String?] {
        stored.map { SealedSecret.open($0, with: key) }
    }

    @Test func aChannelNeverRotatedSignsWithItsOneSecret() {
        let secret = WebhookSecret.generate()
        let secrets = SigningSecrets(current: SealedSecret.seal(secret.text, with: key))
        #expect(opened(secrets.signing(at: rotatedAt)) == [secret.text])
        #expect(secrets.previous == nil && secrets.previousExpiresAt == nil)
    }

    @Test func theReplacedSecretSignsSecondForTwentyFourHoursAndNotAMomentLonger() throws {
        let old = WebhookSecret.generate(), new = WebhookSecret.generate()
        let rotated = SigningSecrets(current: SealedSecret.seal(old.text, with: key)).rotated(to: new, at: rotatedAt, key: key)

        #expect(rotated.previousExpiresAt == rotatedAt.addingTimeInterval(24 * 60 * 60))
        #expect(opened(rotated.signing(at: rotatedAt)) == [new.text, old.text], "the new secret signs first")
        #expect(opened(rotated.signing(at: rotatedAt.addingTimeInterval(24 * 60 * 60 - 0.001))) == [new.text, old.text])
        #expect(opened(rotated.signing(at: rotatedAt.addingTimeInterval(24 * 60 * 60))) == [new.text], "the window's end is excluded")
        #expect(opened(rotated.signing(at: rotatedAt.addingTimeInterval(30 * 24 * 60 * 60))) == [new.text])
        let previous = try #require(rotated.previous)
        #expect(SealedSecret.isSealed(previous) && !previous.contains(String(old.text.dropFirst(6))))
    }

    @Test func rotatingAgainWithinTheWindowKeepsOnlyTheSecretThatJustStoppedBeingCurrent() {
        let first = WebhookSecret.generate(), second = WebhookSecret.generate(), third = WebhookSecret.generate()
        let once = SigningSecrets(current: SealedSecret.seal(first.text, with: key)).rotated(to: second, at: rotatedAt, key: key)
        let again = rotatedAt.addingTimeInterval(3600)
        let twice = once.rotated(to: third, at: again, key: key)

        #expect(opened(twice.signing(at: again)) == [third.text, second.text], "the first secret stops signing at once")
        #expect(twice.previousExpiresAt == again.addingTimeInterval(24 * 60 * 60), "the window starts over")
        #expect(opened(twice.signing(at: rotatedAt.addingTimeInterval(24 * 60 * 60 + 1))) == [third.text, second.text],
                "the second secret outlives the first rotation's window")
    }

    @Test func aSecretStoredBeforeSealingIsSealedWhenItBecomesThePreviousOne() throws {
        let legacy = WebhookSecret.generate(), new = WebhookSecret.generate()
        let rotated = SigningSecrets(current: legacy.text).rotated(to: new, at: rotatedAt, key: key)
        let previous = try #require(rotated.previous)
        #expect(SealedSecret.isSealed(previous), "never kept in the clear")
        #expect(SealedSecret.open(previous, with: key) == legacy.text)
        #expect(SealedSecret.isSealed(try #require(rotated.current)))
    }

    @Test func aSecretThatDoesNotOpenUnderTheKeyIsNotKeptItCouldNotSign() {
        let foreign = SealedSecret.seal(WebhookSecret.generate().text, with: SecretKey.generate())
        let rotated = SigningSecrets(current: foreign).rotated(to: WebhookSecret.generate(), at: rotatedAt, key: key)
        #expect(rotated.previous == nil && rotated.previousExpiresAt == nil)
        #expect(rotated.signing(at: rotatedAt).count == 1)

        let none = SigningSecrets(current: nil).rotated(to: WebhookSecret.generate(), at: rotatedAt, key: key)
        #expect(none.previous == nil && none.previousExpiresAt == nil)
    }

    @Test func aPreviousSecretWithoutAnExpiryNeverSigns() {
        let secrets = SigningSecrets(current: "a", previous: "b", previousExpiresAt: nil)
        #expect(secrets.signing(at: rotatedAt) == ["a"])
        #expect(SigningSecrets(current: "a", previous: nil, previousExpiresAt: rotatedAt).previousExpiresAt == nil)
    }
}
