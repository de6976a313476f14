import Foundation
import HandoffCore
import NIOCore

/// The request's JSON as sent. Generated request types turn both an absent
/// field and `null` into nil, but a PATCH must tell them apart (RFC 7396), so
/// configuration handlers decode Core's `…Input` types from these bytes after
/// the generated layer has checked the body's shape.
enum RequestBody {
    @TaskLocal static var current: ByteBuffer?

    static func decode<Input: Decodable>(_ type: Input.Type) throws -> Input {
        guard let body = current, body.readableBytes > 0 else {
            throw Problem.badRequest("Send a JSON object as the body.")
        }
        return try WireJSON.decode(type, from: Data(buffer: body))
    }
}
