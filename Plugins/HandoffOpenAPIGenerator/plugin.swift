import Foundation
import PackagePlugin

/// Generates the server's types from `openapi.yaml` in two steps: the
/// document is first filtered into the generator's own copy
/// (`handoff-generator-input`, see `GeneratorInput`), which swift-openapi-
/// generator then reads. The customers' document stays as they read it.
@main struct HandoffOpenAPIGenerator: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        func file(_ name: String) throws -> URL {
            guard let file = target.sourceFiles.first(where: { $0.url.lastPathComponent == name }) else {
                throw PluginFailure("\(target.name) has no \(name)")
            }
            return file.url
        }
        let document = try file("openapi.yaml")
        let config = try file("openapi-generator-config.yaml")
        let work = context.pluginWorkDirectoryURL
        let input = work.appending(path: "generator-input.yaml")
        let generated = work.appending(path: "GeneratedSources")
        return [
            .buildCommand(
                displayName: "Filtering openapi.yaml for swift-openapi-generator",
                executable: try context.tool(named: "handoff-generator-input").url,
                arguments: [document.path(), config.path(), input.path()],
                inputFiles: [document, config],
                outputFiles: [input]
            ),
            .buildCommand(
                displayName: "Running swift-openapi-generator",
                executable: try context.tool(named: "swift-openapi-generator").url,
                arguments: ["generate", input.path(), "--config", config.path(), "--output-directory", generated.path(), "--plugin-source", "build"],
                inputFiles: [input, config],
                outputFiles: Self.generatedFiles.map { generated.appending(path: $0) }
            ),
        ]
    }
}

extension HandoffOpenAPIGenerator {
    /// Every file the generator writes (its plugin's `OutputFileName`).
    static let generatedFiles = [
        "Types.swift", "Types+Components.swift", "Types+Operations.swift", "Types+Components+Schemas.swift",
        "Types+Components+Parameters.swift", "Types+Components+RequestBodies.swift",
        "Types+Components+Responses.swift", "Types+Components+Headers.swift", "Client.swift", "Server.swift",
    ]
}

struct PluginFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
