@testable import HandoffTestSupport
import HandoffCore
import HandoffOpenAPI
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime
import Testing
@testable import HandoffAPI

/// `JSONNegotiation` must judge headers as OpenAPIRuntime does: intake is
/// served without the runtime, and two middlewares decide before it.
@Suite("JSON negotiation")
struct JSONNegotiationTests {
    static let converter = Converter(configuration: HandoffApplication.openAPIConfiguration)

    /// Pieces of header values, valid, odd and malformed, combined at random below.
    static let mediaPieces = [
        "application/json", "APPLICATION/JSON", "application/json; charset=utf-8", "application/*", "Application/*", "*/*",
        "text/html", "text/*", "*/json", "application/problem+json", "application/xml", "a//b", "application/", "/json",
        "json", "", " ", ";", "q=0.5", "q=0", "q=1", "q=2", "q=abc", "q=-0.1", "Q=0.5", "charset=utf-8", "x", "=", "*",
        " application/json ", "text/plain;charset", "application/json;q", "nan", "inf",
    ]

    static func randomHeader() -> String {
        var text = ""
        for _ in 0..<Int.random(in: 1...4) {
            text += mediaPieces.randomElement()!
            text += [",", ";", ", ", " ; ", ""].randomElement()!
        }
        return text
    }

    @Test("Content-Type and Accept are judged as the OpenAPI runtime judges them")
    func negotiationMatchesTheRuntime() throws {
        let values = Self.mediaPieces + Self.mediaPieces.flatMap { a in Self.mediaPieces.map { "\(a),\($0)" } }
            + Self.mediaPieces.map { "\($0);q=0.5" } + (0..<20_000).map { _ in Self.randomHeader() }
        var compared = 0
        for value in values {
            // As the route reads them: HTTPFields trims the values.
            let fields: HTTPFields = [.contentType: value, .accept: value]
            // Values the runtime would trap on are left out (ContentTypeGuardMiddleware refuses them first).
            if JSONNegotiation.repeatedParameter(in: fields[.contentType]!) == nil {
                compared += 1
                let runtimeReads = (try? Self.converter.bestContentType(
                    received: Self.converter.extractContentTypeIfPresent(in: fields), options: ["application/json"]
                )) != nil
                #expect(JSONNegotiation.readsBody(contentType: fields[.contentType]) == runtimeReads, "Content-Type: \(value)")
            }
            let runtimeAnswers: Bool
            do {
                let _: [AcceptHeaderContentType<Operations.CreateLead.AcceptableContentType>] =
                    try Self.converter.extractAcceptHeaderIfPresent(in: fields)
                try Self.converter.validateAcceptIfPresent("application/json", in: fields)
                runtimeAnswers = true
            } catch {
                runtimeAnswers = false
            }
            #expect(JSONNegotiation.answersJSON(accept: fields[.accept]) == runtimeAnswers, "Accept: \(value)")
        }
        #expect(compared > values.count * 9 / 10, "only \(compared) of \(values.count) Content-Types compared")
        #expect(JSONNegotiation.readsBody(contentType: nil))
        #expect(JSONNegotiation.answersJSON(accept: nil))
    }

    @Test("a parameter named twice in different cases is found; one named twice alike is the runtime's first")
    func repeatedParameters() {
        #expect(JSONNegotiation.repeatedParameter(in: "application/json; charset=utf-8; Charset=latin1") == "charset")
        #expect(JSONNegotiation.repeatedParameter(in: "text/plain;A=1 ; b=2; a=3") == "a")
        #expect(JSONNegotiation.repeatedParameter(in: "application/json; q=1; q=2") == nil)
        #expect(JSONNegotiation.repeatedParameter(in: "application/json; charset=utf-8; q=1") == nil)
        #expect(JSONNegotiation.repeatedParameter(in: "not a media type; a=1; A=2") == nil)
    }
}
