import Foundation
import HandoffCore
import NIOCore

/// The request's JSON as sent. Generated request types turn both an absent
/// field and `null` into nil, but a PATCH must tell them apart (RFC 7396), so
/// configuration handlers decode Core's `…Input` types from these bytes after
/// the generated layer has checked the body's shape.
enum RequestBody {
    /// Filled by BodyLimitMiddleware; bound by ProblemMiddleware, the outermost
    /// layer, so the body is still there when an error is being explained.
    final class Box: @unchecked Sendable {
        var buffer: ByteBuffer?
    }

    @TaskLocal static var box: Box?

    static var current: ByteBuffer? { box?.buffer }

    static func decode<Input: Decodable>(_ type: Input.Type) throws -> Input {
        guard let body = current, body.readableBytes > 0 else {
            throw Problem.badRequest("Send a JSON object as the body.")
        }
        do {
            return try WireJSON.decode(type, from: Data(buffer: body))
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            // An array, a string or a number where the object should be.
            throw Problem.badRequest("Send a JSON object as the body.")
        }
    }

    /// The path of the first field in the body whose value is the string `value`.
    static func field(holding value: String) -> String? {
        guard let body = current, let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) else { return nil }
        func search(_ node: Any, path: String) -> String? {
            if let text = node as? String { return text == value ? path : nil }
            if let object = node as? [String: Any] {
                for key in object.keys.sorted() {
                    if let found = search(object[key] as Any, path: path.isEmpty ? key : "\(path).\(key)") { return found }
                }
            }
            if let array = node as? [Any] {
                for (index, element) in array.enumerated() {
                    if let found = search(element, path: "\(path)[\(index)]") { return found }
                }
            }
            return nil
        }
        return search(json, path: "")
    }
}
