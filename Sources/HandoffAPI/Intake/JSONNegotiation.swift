import HandoffCore

/// What the generated layer checks of a JSON operation's headers, for what runs
/// without it or before it: `LeadIntakeRoute`, `AcceptBeforeWritesMiddleware` and
/// `ContentTypeGuardMiddleware`. The rules are OpenAPIRuntime's own
/// (`bestContentType`, `extractAcceptHeaderIfPresent`, `validateAcceptIfPresent`),
/// quirks included, so that every operation answers the same headers the same
/// way; `JSONNegotiationTests` compare the two over 20,000 header values.
enum JSONNegotiation {
    /// A media type as the runtime reads one: `type/subtype`, then `;`-separated
    /// `name=value` parameters, malformed parameters ignored.
    struct MediaType {
        enum Kind {
            case any
            case anySubtype(type: String)
            case concrete(type: String, subtype: String)
        }

        var kind: Kind
        var parameters: [String: String]

        init?(_ text: some StringProtocol) {
            var components = text.split(separator: ";").map { $0.trimmingWhitespace() }
            guard !components.isEmpty else { return nil }
            let typeAndSubtype = components.removeFirst().split(separator: "/")
            guard typeAndSubtype.count == 2 else { return nil }
            switch (typeAndSubtype[0], typeAndSubtype[1]) {
            case ("*", "*"): kind = .any
            case ("*", _): return nil
            case (let type, "*"): kind = .anySubtype(type: String(type))
            case (let type, let subtype): kind = .concrete(type: String(type), subtype: String(subtype))
            }
            var parameters: [String: String] = [:]
            for component in components {
                let pair = component.split(separator: "=")
                guard pair.count == 2 else { continue }
                parameters[String(pair[0])] = parameters[String(pair[0])] ?? String(pair[1])
            }
            self.parameters = parameters
        }

        /// Whether an answer of this (concrete) type satisfies an Accept media range.
        func isSatisfiedBy(range: MediaType) -> Bool {
            guard case .concrete(let type, let subtype) = kind else { return false }
            switch range.kind {
            case .any: return true
            case .anySubtype(let rangeType): return rangeType.lowercased() == type.lowercased()
            case .concrete(let rangeType, let rangeSubtype):
                return rangeType.lowercased() == type.lowercased() && rangeSubtype.lowercased() == subtype.lowercased()
            }
        }
    }

    static let json = MediaType("application/json")!

    /// Whether a body sent with this Content-Type is read as JSON: none, one that
    /// does not parse as a media type, a wildcard, or application/json with any
    /// parameters. Anything else is a 415.
    static func readsBody(contentType: String?) -> Bool {
        // What nearly every client sends, without parsing it: parsing it on every
        // request showed in intake's profile.
        if contentType == "application/json" { return true }
        guard let contentType, let received = MediaType(contentType),
              case .concrete(let type, let subtype) = received.kind else { return true }
        return type.lowercased() == "application" && subtype.lowercased() == "json"
    }

    /// The parameter a media type names twice, if any: names are case-insensitive
    /// (RFC 9110 §8.3.1), so `charset=utf-8; Charset=latin1` says two things.
    /// OpenAPIRuntime traps on such a Content-Type (a duplicate dictionary key
    /// when it compares parameters), which would end the process.
    static func repeatedParameter(in text: String) -> String? {
        guard let type = MediaType(text), type.parameters.count > 1 else { return nil }
        var seen: Set<String> = []
        for name in type.parameters.keys.map({ $0.lowercased() }).sorted() where !seen.insert(name).inserted {
            return name
        }
        return nil
    }

    /// Whether an application/json answer is acceptable: no Accept, or one whose
    /// every media range parses (with a `q` between 0 and 1 if it has one) and one
    /// of which application/json satisfies. Anything else is a 406. Quality
    /// values are checked but not weighed, as in the runtime: `q=0` still accepts.
    static func answersJSON(accept: String?) -> Bool {
        guard let accept, accept != "application/json", accept != "*/*" else { return true }
        let components = accept.split(separator: ",")
        for component in components {
            guard let range = MediaType(component.trimmingWhitespace()) else { return false }
            if let quality = range.parameters["q"] {
                guard let value = Double(quality), (0...1).contains(value) else { return false }
            }
        }
        // Then each range's text before its first `;`, in order: the first that
        // does not parse refuses, the first that application/json satisfies accepts.
        for component in components {
            guard let text = component.split(separator: ";").first,
                  let range = MediaType(text.trimmingWhitespace()) else { return false }
            if json.isSatisfiedBy(range: range) { return true }
        }
        return components.isEmpty
    }
}
