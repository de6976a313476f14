@testable import handoff_generator_input
import Testing
import Yams

/// The generator's copy of the document differs from the customers' only
/// where `GeneratorInput` says, and nowhere else.
@Suite struct GeneratorInputTests {
    static let document = """
    openapi: "3.1.0"
    paths:
      /things:
        post:
          requestBody:
            content:
              application/json:
                schema: {$ref: "#/components/schemas/ThingCreate"}
          responses:
            "201":
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Thing"}
        patch:
          requestBody:
            content:
              application/merge-patch+json:
                schema: {$ref: "#/components/schemas/ThingCreate"}
          responses:
            "200":
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Thing"}
    webhooks:
      thing.made:
        post:
          requestBody:
            content:
              application/json:
                schema: {$ref: "#/components/schemas/ThingMadeEvent"}
    components:
      schemas:
        Kind:
          type: string
          enum: [small, large]
        NullableString:
          description: A string, or null.
          type: [string, "null"]
        Thing:
          type: object
          required: [id, kind, note]
          properties:
            id: {type: string}
            kind: {$ref: "#/components/schemas/Kind"}
            note: {$ref: "#/components/schemas/NullableString"}
        ThingCreate:
          type: object
          required: [kind]
          properties:
            kind: {$ref: "#/components/schemas/Kind"}
            size: {type: string, enum: [s, m]}
            tags: {type: array, items: {type: string, enum: [a, b]}}
        ThingMadeEvent:
          type: object
          properties:
            type: {type: string, enum: [thing.made]}
    """

    static func filtered() throws -> Node {
        let parsed = try #require(try Yams.compose(yaml: document))
        return GeneratorInput.filter(parsed, typeOverrides: ["NullableString"])
    }

    static func schema(_ name: String, in node: Node) -> Node? {
        node.mapping?["components"]?.mapping?["schemas"]?.mapping?[name]
    }

    @Test func aNullableSchemaNamedInTheOverridesLosesItsTypeAndKeepsItsDescription() throws {
        let schema = try #require(Self.schema("NullableString", in: try Self.filtered()))
        #expect(schema.mapping?["type"] == nil)
        #expect(schema.mapping?["description"]?.string == "A string, or null.")
    }

    @Test func aSchemaOnlyRequestsUseLosesRequiredAndEnumsAtEveryDepth() throws {
        let create = try #require(Self.schema("ThingCreate", in: try Self.filtered())?.mapping)
        #expect(create["required"] == nil)
        let properties = try #require(create["properties"]?.mapping)
        #expect(properties["kind"] == ["type": "string"], "a reference to an enum schema becomes a string")
        #expect(properties["size"]?.mapping?["enum"] == nil)
        #expect(properties["tags"]?.mapping?["items"]?.mapping?["enum"] == nil)
    }

    @Test func schemasResponsesUseAreLeftAsTheyAre() throws {
        let filtered = try Self.filtered()
        let original = try #require(try Yams.compose(yaml: Self.document))
        #expect(Self.schema("Thing", in: filtered) == Self.schema("Thing", in: original))
        #expect(Self.schema("Kind", in: filtered) == Self.schema("Kind", in: original))
    }

    @Test func webhooksAndTheSchemasOnlyTheyUseAreDropped() throws {
        let filtered = try Self.filtered()
        #expect(filtered.mapping?["webhooks"] == nil)
        #expect(Self.schema("ThingMadeEvent", in: filtered) == nil)
        let post = filtered.mapping?["paths"]?.mapping?["/things"]?.mapping?["post"]
        #expect(post == (try Yams.compose(yaml: Self.document))?.mapping?["paths"]?.mapping?["/things"]?.mapping?["post"])
    }

    @Test func aMergePatchBodyIsAlsoReadAsJSON() throws {
        let content = try Self.filtered().mapping?["paths"]?.mapping?["/things"]?.mapping?["patch"]?
            .mapping?["requestBody"]?.mapping?["content"]?.mapping
        #expect(content?.keys.compactMap(\.string) == ["application/json", "application/merge-patch+json"])
        #expect(content?["application/json"] == content?["application/merge-patch+json"])
    }
}
