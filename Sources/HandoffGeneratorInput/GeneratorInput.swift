import Yams

/// The copy of `openapi.yaml` that swift-openapi-generator reads. The served
/// document is the customers'; this copy bends it only where the generator
/// would otherwise write the wrong Swift:
///
/// - A nullable schema named in the config's `typeOverrides` loses its type.
///   The generator makes every property that refers to a nullable schema an
///   optional, and omits a nil optional from the JSON it writes; the contract
///   writes `"due_at": null`. A typeless schema keeps the property required,
///   and the override (`Nullable<…>`) writes the null.
/// - Schemas that only requests use lose `required`, `enum` and `const`.
///   Handlers validate a request whole, in Core, so one 422 names every field
///   at fault; the generated decoder would stop at the first with a 400.
/// - `webhooks:` and the schemas only it uses are dropped: the server sends
///   webhooks itself and never decodes them.
/// - A body declared as `application/merge-patch+json` alone is also read as
///   `application/json`. Customers' generators are shown one media type (two
///   on one body break openapi-python-client), but the API has always taken
///   PATCH bodies as JSON too.
enum GeneratorInput {
    static func filter(_ document: Node, typeOverrides: Set<String>) -> Node {
        let references = SchemaReferences(document)
        let requestOnly = references.fromRequests.subtracting(references.fromResponses)
        let webhookOnly = references.fromWebhooks.subtracting(references.fromResponses).subtracting(references.fromRequests)
        let enumSchemas = references.enumSchemas

        var root = document.mapping ?? [:]
        root["webhooks"] = nil
        guard case .mapping(var components)? = root["components"], case .mapping(var schemas)? = components["schemas"] else {
            return .mapping(root)
        }
        var kept: [(Node, Node)] = []
        for (key, schema) in schemas {
            guard let name = key.string, !webhookOnly.contains(name) else { continue }
            if typeOverrides.contains(name) {
                kept.append((key, typeless(schema)))
            } else if requestOnly.contains(name) {
                kept.append((key, loosened(schema, enumSchemas: enumSchemas)))
            } else {
                kept.append((key, schema))
            }
        }
        schemas = Node.Mapping(kept)
        components["schemas"] = .mapping(schemas)
        root["components"] = .mapping(components)
        if case .mapping(let paths)? = root["paths"] {
            root["paths"] = .mapping(paths.mapValues { generatorRequestBodies($0, enumSchemas: enumSchemas) })
        }
        return .mapping(root)
    }

    /// A schema reduced to its description, so the generator sees no type.
    static func typeless(_ schema: Node) -> Node {
        var reduced = Node.Mapping([])
        if let description = schema.mapping?["description"] { reduced["description"] = description }
        return .mapping(reduced)
    }

    /// The schema without the keywords a request's handler checks itself.
    static func loosened(_ schema: Node, enumSchemas: Set<String>) -> Node {
        guard case .mapping(let mapping) = schema else { return schema }
        if let reference = mapping["$ref"]?.string, let name = SchemaReferences.schemaName(reference), enumSchemas.contains(name) {
            return .mapping(["type": "string"])
        }
        var result: [(Node, Node)] = []
        for (key, value) in mapping {
            switch key.string {
            case "required", "enum", "const", "minProperties":
                continue
            case "properties":
                result.append((key, value.mapping.map { .mapping($0.mapValues { loosened($0, enumSchemas: enumSchemas) }) } ?? value))
            case "items", "additionalProperties", "not":
                result.append((key, loosened(value, enumSchemas: enumSchemas)))
            case "allOf", "anyOf", "oneOf":
                result.append((key, value.sequence.map { .sequence(Node.Sequence($0.map { loosened($0, enumSchemas: enumSchemas) })) } ?? value))
            default:
                result.append((key, value))
            }
        }
        return .mapping(Node.Mapping(result))
    }

    /// An operation's request body as the generator reads it: inline schemas
    /// loosened like request-only ones, and a merge patch readable as JSON.
    private static func generatorRequestBodies(_ pathItem: Node, enumSchemas: Set<String>) -> Node {
        guard case .mapping(let item) = pathItem else { return pathItem }
        return .mapping(item.mapValues { operation in
            guard case .mapping(var op) = operation, case .mapping(var body)? = op["requestBody"],
                  case .mapping(var content)? = body["content"] else { return operation }
            if let mergePatch = content["application/merge-patch+json"], content["application/json"] == nil {
                content = Node.Mapping([("application/json", mergePatch)] + content.map { ($0.key, $0.value) }, content.tag, content.style)
            }
            body["content"] = .mapping(content.mapValues { media in
                guard case .mapping(var media) = media, let schema = media["schema"] else { return media }
                media["schema"] = loosened(schema, enumSchemas: enumSchemas)
                return .mapping(media)
            })
            op["requestBody"] = .mapping(body)
            return .mapping(op)
        })
    }
}

extension Node.Mapping {
    func mapValues(_ transform: (Node) -> Node) -> Node.Mapping {
        Node.Mapping(map { ($0.key, transform($0.value)) }, tag, style)
    }
}
