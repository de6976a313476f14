import Foundation
import Yams

// handoff-generator-input <openapi.yaml> <openapi-generator-config.yaml> <output.yaml>
//
// Writes the generator's copy of the document (see `GeneratorInput`). Run by
// the HandoffOpenAPIGenerator build plugin; never served.
let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: handoff-generator-input <openapi.yaml> <generator-config.yaml> <output.yaml>\n".utf8))
    exit(64)
}
do {
    let document = try String(contentsOfFile: arguments[1], encoding: .utf8)
    let config = try String(contentsOfFile: arguments[2], encoding: .utf8)
    guard let parsed = try Yams.compose(yaml: document) else { throw CocoaError(.fileReadCorruptFile) }
    let overrides = try Yams.compose(yaml: config)?.mapping?["typeOverrides"]?.mapping?["schemas"]?.mapping
    let names = Set((overrides?.keys).map { $0.compactMap(\.string) } ?? [])
    let filtered = GeneratorInput.filter(parsed, typeOverrides: names)
    try Yams.serialize(node: filtered).write(toFile: arguments[3], atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("handoff-generator-input: \(error)\n".utf8))
    exit(1)
}
