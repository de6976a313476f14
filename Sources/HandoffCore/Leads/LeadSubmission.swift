import Foundation

/// A `POST /v1/leads` body (also `POST /v1/routing/simulate`) as the client sent it.
public struct LeadSubmissionInput: Decodable, Sendable {
    public var funnelID: UUID?
    public var externalID: String?
    public var email: String?
    public var name: String?
    public var phone: String?
    public var score: Double?
    public var answers: [String: JSONValue]?
    public var attributes: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case email, name, phone, score, answers, attributes
        case funnelID = "funnel_id", externalID = "external_id"
    }

    public init(
        funnelID: UUID? = nil, externalID: String? = nil, email: String? = nil, name: String? = nil,
        phone: String? = nil, score: Double? = nil, answers: [String: JSONValue]? = nil, attributes: [String: JSONValue]? = nil
    ) {
        self.funnelID = funnelID
        self.externalID = externalID
        self.email = email
        self.name = name
        self.phone = phone
        self.score = score
        self.answers = answers
        self.attributes = attributes
    }
}

/// A validated submission: strings trimmed, blanks of optional fields dropped.
public struct LeadSubmission: Sendable, Equatable {
    public var funnelID: UUID
    public var externalID: String?
    public var email: String
    public var name: String?
    public var phone: String?
    public var score: Double
    public var answers: [String: JSONValue]
    public var attributes: [String: JSONValue]

    public init(
        funnelID: UUID, externalID: String? = nil, email: String, name: String? = nil, phone: String? = nil,
        score: Double, answers: [String: JSONValue] = [:], attributes: [String: JSONValue] = [:]
    ) {
        self.funnelID = funnelID
        self.externalID = externalID
        self.email = email
        self.name = name
        self.phone = phone
        self.score = score
        self.answers = answers
        self.attributes = attributes
    }

    public static let maxKeys = 200
    public static let maxKeyLength = 200
    public static let maxNameLength = 200
    public static let maxPhoneLength = 40
    public static let maxExternalIDLength = 200

    /// What routing sees of the lead.
    public var routingLead: RoutingLead {
        RoutingLead(score: score, answers: answers, attributes: attributes)
    }
}

extension LeadSubmission {
    /// Every problem at once. Optional texts that are blank count as absent: quiz
    /// forms post `"phone": ""` for a question left empty, and refusing the whole
    /// lead for that would lose it at exactly the seam Handoff exists to guard.
    /// The phone is free text up to 40 characters: visitors type what they type,
    /// and the SDR calls it anyway.
    public static func validate(_ input: LeadSubmissionInput) -> Result<LeadSubmission, ValidationFailure> {
        var v = Validator()
        if input.funnelID == nil { v.fail("funnel_id", "is required") }

        var email: String?
        if let raw = input.email {
            let trimmed = raw.trimmingWhitespace()
            if trimmed.isEmpty {
                v.fail("email", "must not be blank")
            } else if FieldRules.isEmail(trimmed) {
                email = trimmed
            } else {
                v.fail("email", "must be an e-mail address like ana@example.com")
            }
        } else {
            v.fail("email", "is required")
        }

        if let score = input.score {
            v.check(score.isFinite, "score", "must be a finite number")
        } else {
            v.fail("score", "is required")
        }

        let name = optionalText(input.name, "name", maxLength: maxNameLength, into: &v)
        let phone = optionalText(input.phone, "phone", maxLength: maxPhoneLength, into: &v)
        let externalID = optionalText(input.externalID, "external_id", maxLength: maxExternalIDLength, into: &v)
        checkKeys(input.answers, "answers", into: &v)
        checkKeys(input.attributes, "attributes", into: &v)

        guard v.isValid, let funnelID = input.funnelID, let email, let score = input.score else {
            return .failure(ValidationFailure(errors: v.errors))
        }
        return .success(LeadSubmission(
            funnelID: funnelID, externalID: externalID, email: email, name: name, phone: phone,
            score: score, answers: input.answers ?? [:], attributes: input.attributes ?? [:]
        ))
    }

    private static func optionalText(_ value: String?, _ field: String, maxLength: Int, into v: inout Validator) -> String? {
        guard let trimmed = value?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
        return v.optionalText(trimmed, field, maxLength: maxLength)
    }

    private static func checkKeys(_ object: [String: JSONValue]?, _ field: String, into v: inout Validator) {
        guard let object else { return }
        v.check(object.count <= maxKeys, field, "must have at most \(maxKeys) keys, got \(object.count)")
        // Sorted so the same body always yields the same errors in the same order.
        for key in object.keys.sorted() {
            if key.trimmingWhitespace().isEmpty {
                v.fail(field, "keys must not be blank")
            } else if key.codePointCount > maxKeyLength {
                v.fail("\(field).\(key.prefix(40))…", "keys must be at most \(maxKeyLength) characters")
            }
        }
    }
}
