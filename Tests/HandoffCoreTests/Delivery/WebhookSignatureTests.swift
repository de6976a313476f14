import Foundation
import HandoffCore
import Testing

@Suite("Standard Webhooks signatures")
struct WebhookSignatureTests {
    // The Standard Webhooks reference test vector, from the spec repository's
    // own tests: standard-webhooks/standard-webhooks,
    // libraries/python/tests/test_webhooks.py, test_sign_function (the
    // JavaScript and other libraries test the same values).
    static let specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let specID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let specTimestamp: Int64 = 1_614_265_330
    static let specBody = #"{"test": 2432232314}"#
    static let specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    var secret: WebhookSecret {
        get throws { try #require(WebhookSecret(Self.specSecret)) }
    }

    var specNow: Date { Date(timeIntervalSince1970: TimeInterval(Self.specTimestamp)) }

    func specHeaders(signature: String = specSignature) -> [String: String] {
        ["webhook-id": Self.specID, "webhook-timestamp": String(Self.specTimestamp), "webhook-signature": signature]
    }

    @Test("signing reproduces the spec's published test vector")
    func specVector() throws {
        let signature = WebhookSignature.sign(
            id: Self.specID, timestamp: Self.specTimestamp, body: Array(Self.specBody.utf8), secret: try secret
        )
        #expect(signature == Self.specSignature)
    }

    @Test("headers for an attempt use its whole Unix second")
    func headers() throws {
        let headers = WebhookSignature.headers(
            id: Self.specID, at: Date(timeIntervalSince1970: 1_614_265_330.9), body: Array(Self.specBody.utf8), secret: try secret
        )
        #expect(headers.timestamp == Self.specTimestamp)
        #expect(headers.signature == Self.specSignature)
        #expect(headers.fields.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.fields.map(\.value) == [Self.specID, "1614265330", Self.specSignature])
    }

    @Test("the verifier accepts the vector, with header names in any case")
    func verifies() throws {
        let verifier = WebhookVerifier(secret: try secret)
        try verifier.verify(body: Array(Self.specBody.utf8), headers: specHeaders(), now: specNow)
        let shouting = ["Webhook-Id": Self.specID, "WEBHOOK-TIMESTAMP": String(Self.specTimestamp), "Webhook-Signature": Self.specSignature]
        try verifier.verify(body: Array(Self.specBody.utf8), headers: shouting, now: specNow.addingTimeInterval(299))
    }

    @Test("any one matching v1 signature among several is enough")
    func multipleSignatures() throws {
        let list = [
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "garbage",
            Self.specSignature,
        ].joined(separator: " ")
        try WebhookVerifier(secret: try secret).verify(body: Array(Self.specBody.utf8), headers: specHeaders(signature: list), now: specNow)
    }

    @Test("signed with two secrets: one header, both signatures, and a receiver holding either accepts")
    func twoSecrets() throws {
        let new = WebhookSecret.generate(), old = WebhookSecret.generate()
        let body = Array(Self.specBody.utf8)
        let headers = WebhookSignature.headers(id: Self.specID, at: specNow, body: body, secrets: [new, old])
        let parts = headers.signature.split(separator: " ").map(String.init)
        #expect(parts == [
            WebhookSignature.sign(id: Self.specID, timestamp: Self.specTimestamp, body: body, secret: new),
            WebhookSignature.sign(id: Self.specID, timestamp: Self.specTimestamp, body: body, secret: old),
        ])
        #expect(headers.fields.filter { $0.name == "webhook-signature" }.count == 1)
        let received = Dictionary(uniqueKeysWithValues: headers.fields.map { ($0.name, $0.value) })
        try WebhookVerifier(secret: new).verify(body: body, headers: received, now: specNow)
        try WebhookVerifier(secret: old).verify(body: body, headers: received, now: specNow)
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try WebhookVerifier(secret: WebhookSecret.generate()).verify(body: body, headers: received, now: specNow)
        }
        let one = WebhookSignature.headers(id: Self.specID, at: specNow, body: body, secrets: [try secret])
        #expect(one.signature == Self.specSignature, "one secret: one signature, as before")
    }

    @Test("a changed signature, body or secret does not verify")
    func rejectsTampering() throws {
        let verifier = WebhookVerifier(secret: try secret)
        let body = Array(Self.specBody.utf8)
        // The spec tests' near-miss: the last base64 digit changed.
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try verifier.verify(body: body, headers: specHeaders(signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="), now: specNow)
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try verifier.verify(body: Array(#"{"test": 2432232315}"#.utf8), headers: specHeaders(), now: specNow)
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try WebhookVerifier(secret: WebhookSecret.generate()).verify(body: body, headers: specHeaders(), now: specNow)
        }
        // The right signature under another version tag does not count.
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try verifier.verify(body: body, headers: specHeaders(signature: "v1a," + Self.specSignature.dropFirst(3)), now: specNow)
        }
    }

    @Test("timestamps outside the tolerance are refused both ways")
    func tolerance() throws {
        let verifier = WebhookVerifier(secret: try secret)
        let body = Array(Self.specBody.utf8)
        #expect(throws: WebhookVerificationError.timestampTooOld(Self.specTimestamp)) {
            try verifier.verify(body: body, headers: specHeaders(), now: specNow.addingTimeInterval(301))
        }
        #expect(throws: WebhookVerificationError.timestampTooNew(Self.specTimestamp)) {
            try verifier.verify(body: body, headers: specHeaders(), now: specNow.addingTimeInterval(-301))
        }
    }

    @Test("missing or malformed headers are named")
    func missingHeaders() throws {
        let verifier = WebhookVerifier(secret: try secret)
        let body = Array(Self.specBody.utf8)
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            var headers = specHeaders()
            headers[name] = nil
            #expect(throws: WebhookVerificationError.missingHeader(name)) {
                try verifier.verify(body: body, headers: headers, now: specNow)
            }
        }
        var headers = specHeaders()
        headers["webhook-timestamp"] = "hello"
        #expect(throws: WebhookVerificationError.invalidTimestamp("hello")) {
            try verifier.verify(body: body, headers: headers, now: specNow)
        }
    }

    @Test("a generated secret is whsec_ and 32 random bytes, and parses back")
    func generate() throws {
        let secret = WebhookSecret.generate()
        #expect(secret.text.hasPrefix("whsec_"))
        #expect(secret.key.count == 32)
        #expect(WebhookSecret(secret.text) == secret)
        #expect(WebhookSecret.generate() != secret)
        let body = Array("{}".utf8)
        let headers = WebhookSignature.headers(id: "evt_1", at: specNow, body: body, secret: secret)
        try WebhookVerifier(secret: secret).verify(
            body: body,
            headers: Dictionary(uniqueKeysWithValues: headers.fields.map { ($0.name, $0.value) }),
            now: specNow
        )
    }

    @Test("secrets parse with or without the prefix and padding; junk does not")
    func parseSecrets() throws {
        let withPrefix = try secret
        #expect(WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == withPrefix)
        #expect(withPrefix.key.count == 24)
        #expect(WebhookSecret("whsec_AAECAw")?.key == [0, 1, 2, 3])
        #expect(WebhookSecret("whsec_") == nil)
        #expect(WebhookSecret("whsec_not base64!") == nil)
    }
}
