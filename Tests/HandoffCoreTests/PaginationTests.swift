import Foundation
import HandoffCore
import Testing

@Suite("Pagination")
struct PaginationTests {
    @Test("limit defaults to 50 and must be 1–200")
    func limits() throws {
        #expect(try PageRequest.parse(limit: nil, cursor: nil).get().limit == 50)
        #expect(try PageRequest.parse(limit: 200, cursor: nil).get().limit == 200)
        for bad in [0, -1, 201] {
            guard case .failure(let failure) = PageRequest.parse(limit: bad, cursor: nil) else {
                Issue.record("limit \(bad) accepted")
                continue
            }
            #expect(failure.errors.map(\.field) == ["limit"])
        }
    }

    @Test("a cursor round-trips; anything else is refused")
    func cursors() throws {
        let id = UUID.v7()
        let cursor = PageCursor.encode(id)
        #expect(try PageRequest.parse(limit: nil, cursor: cursor).get().after == id)
        guard case .failure(let failure) = PageRequest.parse(limit: nil, cursor: "garbage!") else {
            Issue.record("bad cursor accepted")
            return
        }
        #expect(failure.errors.map(\.field) == ["cursor"])
    }

    @Test("next cursor only when a page overflows")
    func next() {
        let ids = (0..<3).map { _ in UUID.v7() }
        let full = PageCursor.next(ids, limit: 2, id: { $0 })
        #expect(full.page == Array(ids.prefix(2)))
        #expect(full.next == PageCursor.encode(ids[1]))
        let last = PageCursor.next(Array(ids.prefix(2)), limit: 2, id: { $0 })
        #expect(last.next == nil)
    }
}
