import Foundation
import HandoffCore
import Testing

@Suite struct SecretsTests {
    @Test func aSecretKeyIsThirtyTwoBytesInBase64OrHexAndNothingElse() throws {
        let base64 = Data(repeating: 7, count: 32).base64EncodedString()
        let hex = String(repeating: "0a", count: 32)
        #expect(SecretKey(text: base64) != nil)
        #expect(SecretKey(text: " \(base64)\n") != nil, "surrounding whitespace from a file or an env line is ignored")
        #expect(SecretKey(text: hex) != nil)
        #expect(SecretKey(text: hex.uppercased()) != nil)
        #expect(SecretKey(text: Data(repeating: 7, count: 16).base64EncodedString()) == nil, "16 bytes are too few")
        #expect(SecretKey(text: String(repeating: "0a", count: 31)) == nil)
        #expect(SecretKey(text: "not a key") == nil)
        #expect(SecretKey(text: SecretKey.generate().text) != nil, "a generated key's text reads back")
    }

    @Test func aSealedSecretOpensOnlyUnderItsKeyAndNeverShowsThePlaintext() throws {
        let key = SecretKey.generate()
        let secret = "whsec_" + Data(repeating: 42, count: 32).base64EncodedString()
        let sealed = SealedSecret.seal(secret, with: key)
        #expect(sealed.hasPrefix("sealed:v1:"))
        #expect(!sealed.contains(secret) && !sealed.contains(String(secret.dropFirst(6))))
        #expect(SealedSecret.seal(secret, with: key) != sealed, "a fresh nonce each time")
        #expect(SealedSecret.open(sealed, with: key) == secret)
        #expect(SealedSecret.open(sealed, with: SecretKey.generate()) == nil)
        #expect(SealedSecret.open(sealed, with: nil) == nil)
        #expect(SealedSecret.open(sealed.dropLast(4) + "AAA=", with: key) == nil, "a damaged value does not open")
    }

    @Test func aSecretStoredBeforeSealingIsReadAsItIs() {
        let legacy = "whsec_" + Data(repeating: 1, count: 32).base64EncodedString()
        #expect(SealedSecret.open(legacy, with: SecretKey.generate()) == legacy)
        #expect(SealedSecret.open(legacy, with: nil) == legacy)
        #expect(!SealedSecret.isSealed(legacy))
    }

    @Test func aReplayOpensOnlyForTheSameIdempotencyKeyAndCredential() {
        let body = Data(#"{"secret":"hk_abc_def"}"#.utf8)
        let key = ReplaySeal.key(idempotencyKey: "k-1", credential: "hk_aaaaaaaa_secret")
        let sealed = ReplaySeal.seal(body, with: key)
        #expect(sealed.range(of: Data("hk_abc_def".utf8)) == nil)
        #expect(ReplaySeal.open(sealed, with: key) == .body(body))
        #expect(ReplaySeal.open(sealed, with: ReplaySeal.key(idempotencyKey: "k-1", credential: "hk_bbbbbbbb_secret")) == .notYours)
        #expect(ReplaySeal.open(sealed, with: ReplaySeal.key(idempotencyKey: "k-2", credential: "hk_aaaaaaaa_secret")) == .notYours)
        #expect(ReplaySeal.open(body, with: key) == .unsealed(body), "a body stored before sealing is read as it is")
        #expect(ReplaySeal.open(Data(), with: key) == .unsealed(Data()))
    }

    @Test func readKeysSeeTargetURLsCutToTheirOrigin() {
        let config = ChannelConfig(
            webhookURL: "https://hooks.slack.com/services/T0/B0/token",
            url: "https://user:pw@crm.example.com:8443/hooks/abc?token=x"
        )
        let masked = config.masked()
        #expect(masked.webhookURL == "https://hooks.slack.com/***")
        #expect(masked.url == "https://crm.example.com:8443/***")
        #expect(ChannelConfig(to: ["a@example.com"], toOwner: nil).masked() == ChannelConfig(to: ["a@example.com"], toOwner: nil))
        #expect(ChannelConfig(url: "not a url").masked().url == "***")
    }

    @Test func anOperatorKeyShorterThanThirtyTwoCharactersIsRefusedWithHowToMakeOne() throws {
        let problem = try #require(OperatorKeyRule.problem(with: "x"))
        #expect(problem.contains("HANDOFF_OPERATOR_KEY") && problem.contains("32") && problem.contains("openssl rand"))
        #expect(OperatorKeyRule.problem(with: String(repeating: "k", count: 31)) != nil)
        #expect(OperatorKeyRule.problem(with: String(repeating: "k", count: 32)) == nil)
    }

    @Test func aSendQuotaIsAWholeNumberFromZeroToTenMillion() throws {
        #expect(SendQuota.standard == 10_000)
        #expect(try SendQuota.validate(0).get() == 0)
        #expect(try SendQuota.validate(nil).get() == nil)
        #expect((try? SendQuota.validate(-1).get()) == nil)
        #expect((try? SendQuota.validate(10_000_001).get()) == nil)
    }
}
