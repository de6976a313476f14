import Foundation
import HandoffCore
import HandoffStore
import Hummingbird
import Logging
import OpenAPIRuntime

/// The outermost middleware: whatever went wrong, the client gets problem+json
/// and never a stack trace or a Swift type name; unexpected errors are logged.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestBody.$box.withValue(RequestBody.Box()) {
            try await answer(request, context: context, next: next)
        }
    }

    private func answer(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = self.problem(for: error, request: request)
            if problem.status == .internalServerError {
                // Only the underlying error: a ServerError's description carries the
                // request's headers, and with them the caller's key.
                let cause = (error as? ServerError)?.underlyingError ?? error
                context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: cause))", "path": "\(request.uri.path)"])
            }
            return problem.response
        }
    }

    func problem(for error: any Error, request: Request) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let failure as ValidationFailure:
            return failure.problem
        case let error as ServerError:
            return problem(forServerError: error, request: request)
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                if let allowed = routes.allowedMethods(for: request.uri.path) {
                    if allowed.contains(request.method.rawValue) { return .routeNotFound(request.uri.path) }
                    return .methodNotAllowed(request.method.rawValue, allowed: allowed)
                }
                return .routeNotFound(request.uri.path)
            case .contentTooLarge:
                return .contentTooLarge(limit: APILimits.maxBodyBytes)
            default:
                return Problem(error.status, slug: "http-\(error.status.code)", title: error.status.reasonPhrase,
                               detail: error.body)
            }
        case is DecodingError:
            return problem(forDecoding: error as! DecodingError)
        default:
            if DatabaseAvailability.isUnavailable(error) {
                return .unavailable("The database is unreachable; try again shortly.")
            }
            return .internalError
        }
    }

    /// The generated server wraps what went wrong while reading the request.
    private func problem(forServerError error: ServerError, request: Request) -> Problem {
        let underlying = error.underlyingError
        if let problem = underlying as? Problem { return problem }
        if let failure = underlying as? ValidationFailure { return failure.problem }
        if let decoding = underlying as? DecodingError { return problem(forDecoding: decoding) }
        if let http = underlying as? HTTPError, http.status == .contentTooLarge {
            return .contentTooLarge(limit: APILimits.maxBodyBytes)
        }
        if DatabaseAvailability.isUnavailable(underlying) {
            return .unavailable("The database is unreachable; try again shortly.")
        }
        // OpenAPIRuntime reports what it could not read from the request as an
        // error that names its status (`HTTPResponseConvertible`); anything else
        // came from a handler: our fault. Which 400 it was is read from the
        // request itself, never from the error's text.
        guard let runtime = underlying as? any HTTPResponseConvertible else { return .internalError }
        switch runtime.httpStatus {
        case .unsupportedMediaType:
            return .unsupportedMediaType
        case .notAcceptable:
            return .notAcceptable
        case .badRequest where !JSONNegotiation.answersJSON(accept: request.headers[.accept]):
            // The runtime refuses a malformed Accept with 400; writes already answer 406 for it.
            return .notAcceptable
        case .badRequest where [.post, .put, .patch].contains(request.method) && (RequestBody.current?.readableBytes ?? 0) == 0:
            return .badRequest("This operation needs a JSON body.")
        case .badRequest:
            return .badRequest("The request could not be read: \(Self.sanitized(String(describing: underlying))).")
        default:
            return .internalError
        }
    }

    /// 400 for JSON that does not parse; 422 with the field for a body that
    /// parses but lacks a field or holds the wrong type.
    private func problem(forDecoding error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
            var parts = codingPath
            if let key { parts.append(key) }
            var result = ""
            for part in parts {
                if let index = part.intValue { result += "[\(index)]" } else {
                    result += result.isEmpty ? part.stringValue : ".\(part.stringValue)"
                }
            }
            return result.isEmpty ? "body" : result
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation([FieldError(field: path(context.codingPath, appending: key), message: "is required")])
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return .badRequest("A parameter has the wrong type: limit is an integer, ids are UUIDs.")
        case .typeMismatch(let type, let context):
            return .validation([FieldError(field: path(context.codingPath), message: "must be \(Self.jsonTypeName(type))")])
        case .valueNotFound(let type, let context):
            return .validation([FieldError(field: path(context.codingPath), message: "must be \(Self.jsonTypeName(type)), not null")])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, let value = RFC3339DateTranscoder.rejectedValue(context.debugDescription) {
                // The date transcoder cannot see where it is; the body can.
                let field = RequestBody.field(holding: value) ?? "body"
                return .validation([FieldError(field: field, message: Self.corruptionMessage("date"))])
            }
            if context.codingPath.isEmpty {
                return .badRequest("The body is not valid JSON.")
            }
            return .validation([FieldError(field: path(context.codingPath), message: Self.corruptionMessage(context.debugDescription))])
        @unknown default:
            return .badRequest("The body could not be read.")
        }
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type, is Date.Type, is UUID.Type: "a string"
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type, is Decimal.Type: "a number"
        case is Bool.Type: "true or false"
        case is any ExpressibleByDictionaryLiteral.Type, is OpenAPIObjectContainer.Type: "an object"
        case is any ExpressibleByArrayLiteral.Type, is OpenAPIArrayContainer.Type: "an array"
        default: "of another type"
        }
    }

    static func corruptionMessage(_ description: String) -> String {
        if description.contains("UUID") {
            return "must be a UUID, e.g. 0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01"
        }
        if description.contains("date") || description.contains("Date") {
            return "must be an RFC 3339 timestamp, e.g. 2026-11-25T09:00:00.000Z"
        }
        if description.contains("enum") || description.contains("raw value") || description.contains("RawValue")
            || description.contains("invalid") {
            return "is not one of the allowed values"
        }
        return "is not valid"
    }

    /// Keeps generated-code vocabulary (Swift type names) out of client messages.
    static func sanitized(_ text: String) -> String {
        var text = text
        for noise in ["Swift.", "Components.Schemas.", "Operations.", "OpenAPIRuntime."] {
            text = text.replacingOccurrences(of: noise, with: "")
        }
        return String(text.prefix(200))
    }
}

enum APILimits {
    /// Request bodies above this are refused with 413 before they are read whole.
    static let maxBodyBytes = 256 * 1024
}
