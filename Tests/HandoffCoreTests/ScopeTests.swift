import HandoffCore
import Testing

@Suite("Scopes")
struct ScopeTests {
    @Test("admin may do everything", arguments: [HTTPVerb.get, .post, .patch, .delete])
    func admin(_ verb: HTTPVerb) {
        #expect(Scope.admin.permits(verb, path: "/v1/owners"))
    }

    @Test("read is GET only")
    func read() {
        #expect(Scope.read.permits(.get, path: "/v1/leads"))
        #expect(Scope.read.permits(.head, path: "/v1/leads"))
        #expect(!Scope.read.permits(.post, path: "/v1/leads"))
        #expect(!Scope.read.permits(.delete, path: "/v1/api-keys/1"))
    }

    @Test("ingest is POST /v1/leads and POST /v1/routing/simulate only")
    func ingest() {
        #expect(Scope.ingest.permits(.post, path: "/v1/leads"))
        #expect(Scope.ingest.permits(.post, path: "/v1/leads/"))
        #expect(Scope.ingest.permits(.post, path: "/v1/routing/simulate"))
        #expect(!Scope.ingest.permits(.get, path: "/v1/leads"))
        #expect(!Scope.ingest.permits(.post, path: "/v1/leads/123/responses"))
        #expect(!Scope.ingest.permits(.post, path: "/v1/api-keys"))
    }

    @Test("several scopes permit what any of them permits")
    func combined() {
        #expect(Scope.any([.ingest, .read], permit: .get, path: "/v1/leads"))
        #expect(Scope.any([.ingest, .read], permit: .post, path: "/v1/leads"))
        #expect(!Scope.any([.ingest, .read], permit: .patch, path: "/v1/owners/1"))
        #expect(!Scope.any([], permit: .get, path: "/v1/leads"))
    }
}
