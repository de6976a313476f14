@testable import HandoffAPI
@testable import HandoffTestSupport
import Testing

@Suite("Route table from the OpenAPI document")
struct RouteTableTests {
    let table = try! RouteTable(openAPIYAML: """
        openapi: "3.1.0"
        paths:
          /v1/things:
            post:
              operationId: a
            get:
              operationId: b
          /v1/things/{id}:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            delete:
              operationId: c
          /v1/things/export:
            get:
              operationId: d
        components:
          schemas:
            get:
              type: string
        """)

    @Test("templates match concrete paths and list their methods")
    func matching() {
        #expect(table.allowedMethods(for: "/v1/things") == ["GET", "POST"])
        #expect(table.allowedMethods(for: "/v1/things/123") == ["DELETE"])
        #expect(table.allowedMethods(for: "/v1/things/123/more") == nil)
        #expect(table.allowedMethods(for: "/v1/other") == nil)
        #expect(table.allowedMethods(for: "/v1/things/export") == ["GET"], "a literal segment wins over {id}")
        #expect(table.routes.count == 3)
    }
}
