import Foundation
import HandoffCore
import Hummingbird

/// An RFC 9457 problem: every error the API answers with, as
/// `application/problem+json` `{type, title, status, detail, errors}`.
public struct Problem: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var slug: String
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, slug: String, title: String, detail: String? = nil, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static let typeBase = "https://handoff.dev/problems/"

    public static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, slug: "malformed-request", title: "Malformed request", detail: detail)
    }

    public static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, slug: "unauthorized", title: "Unauthorized", detail: detail,
                headers: [.wwwAuthenticate: "Bearer"])
    }

    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, slug: "forbidden", title: "Forbidden", detail: detail)
    }

    /// Missing, or another tenant's: the answer is the same, so nothing leaks.
    public static func notFound(_ what: String) -> Problem {
        Problem(.notFound, slug: "not-found", title: "Not found", detail: "No \(what) with that id.")
    }

    public static func routeNotFound(_ path: String) -> Problem {
        Problem(.notFound, slug: "not-found", title: "Not found", detail: "There is no resource at \(path); see GET /openapi.yaml.")
    }

    public static func methodNotAllowed(_ method: String, allowed: [String]) -> Problem {
        Problem(.methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                detail: "\(method) is not allowed here; use \(allowed.joined(separator: ", ")).",
                headers: [.allow: allowed.joined(separator: ", ")])
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem(.conflict, slug: "conflict", title: "Conflict", detail: detail)
    }

    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(.unprocessableContent, slug: "validation", title: "Validation failed",
                detail: "The request has \(errors.count == 1 ? "an invalid field" : "\(errors.count) invalid fields"); see errors.",
                errors: errors)
    }

    public static let unsupportedMediaType = Problem(
        .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
        detail: "Send the body as JSON with Content-Type: application/json."
    )

    public static let notAcceptable = Problem(
        .notAcceptable, slug: "not-acceptable", title: "Not acceptable",
        detail: "This operation answers with application/json; send Accept: application/json or */*."
    )

    public static func contentTooLarge(limit: Int) -> Problem {
        Problem(.contentTooLarge, slug: "content-too-large", title: "Content too large",
                detail: "Request bodies are limited to \(limit / 1024) KiB.")
    }

    public static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, slug: "unavailable", title: "Service unavailable", detail: detail,
                headers: [.retryAfter: "1"])
    }

    public static let internalError = Problem(
        .internalServerError, slug: "internal", title: "Internal error",
        detail: "Something went wrong on our side; it has been logged. Retrying with the same Idempotency-Key is safe."
    )

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var errors: [FieldError]?
    }

    public var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(type: Self.typeBase + slug, title: title, status: status.code, detail: detail,
                        errors: errors.isEmpty ? nil : errors)
        return (try? encoder.encode(body)) ?? Data()
    }

    /// Hummingbird renders a thrown `Problem` itself, wherever it is thrown.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }

    public var response: Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(data: body)))
    }
}

extension ValidationFailure {
    var problem: Problem { .validation(errors) }
}

extension Result where Failure == ValidationFailure {
    /// The value, or a 422 thrown with every field error.
    func orThrow() throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let failure): throw failure.problem
        }
    }
}

import NIOFoundationCompat
