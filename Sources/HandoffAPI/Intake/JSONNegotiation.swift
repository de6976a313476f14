import HandoffOpenAPI
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime

/// The header rules of the generated layer, for what runs without it or
/// before it: `LeadIntakeRoute`, `AcceptBeforeWritesMiddleware` and
/// `ProblemMiddleware`. They are not copied: each question is put to the
/// runtime's own `Converter`, the one the generated server code calls
/// (`bestContentType`, `extractAcceptHeaderIfPresent`, `validateAcceptIfPresent`,
/// all `@_spi(Generated)`), so every operation answers the same headers the same
/// way. Only what nearly every client sends is decided without it.
/// `JSONNegotiationTests` hold the shortcuts to the runtime over 20,000 values.
enum JSONNegotiation {
    private static let converter = Converter(configuration: HandoffApplication.openAPIConfiguration)

    /// Whether a body sent with this Content-Type is read as JSON; anything
    /// else is a 415. ContentTypeGuardMiddleware has already refused a
    /// Content-Type that names a parameter twice (the runtime traps on one).
    static func readsBody(contentType: String?) -> Bool {
        if contentType == nil || contentType == "application/json" { return true }
        var fields = HTTPFields()
        fields[.contentType] = contentType
        let received = converter.extractContentTypeIfPresent(in: fields)
        return (try? converter.bestContentType(received: received, options: ["application/json"])) != nil
    }

    /// Whether an application/json answer is acceptable; anything else is a 406.
    static func answersJSON(accept: String?) -> Bool {
        guard let accept, accept != "application/json", accept != "*/*" else { return true }
        var fields = HTTPFields()
        fields[.accept] = accept
        do {
            let _: [AcceptHeaderContentType<Operations.CreateLead.AcceptableContentType>] =
                try converter.extractAcceptHeaderIfPresent(in: fields)
            try converter.validateAcceptIfPresent("application/json", in: fields)
            return true
        } catch {
            return false
        }
    }

    /// The parameter a media type names twice, if any: names are case-insensitive
    /// (RFC 9110 §8.3.1), so `charset=utf-8; Charset=latin1` says two things.
    /// The runtime parses such a Content-Type (keeping the first of two names
    /// spelled alike) but traps when it compares the parameters, which would end
    /// the process; this asks its parser, and refuses before it compares.
    static func repeatedParameter(in text: String) -> String? {
        guard let type = OpenAPIMIMEType(text), type.parameters.count > 1 else { return nil }
        var seen: Set<String> = []
        for name in type.parameters.keys.map({ $0.lowercased() }).sorted() where !seen.insert(name).inserted {
            return name
        }
        return nil
    }
}
