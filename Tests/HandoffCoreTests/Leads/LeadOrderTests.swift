import Foundation
import HandoffCore
import Testing

/// `GET /v1/leads?sort=`: the orders, their cursors, and that a cursor only
/// continues the order it came from.
@Suite("Lead list orders and their cursors")
struct LeadOrderTests {
    static let id = UUID(uuidString: "0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01")!
    /// 2026-11-25T09:05:00.123456Z, in microseconds since the Unix epoch.
    static let dueAt: Int64 = 1_795_597_500_123_456

    @Test("no sort is newest first, the order lists had before sort")
    func defaultOrder() throws {
        let page = try LeadPageRequest.parse(sort: nil, limit: nil, cursor: nil).get()
        #expect(page == LeadPageRequest(order: .newestFirst, limit: 50, after: nil))
        #expect(LeadOrder.allCases.map(\.rawValue) == ["-created_at", "due_at"])
    }

    @Test("a newest-first cursor is every other list's cursor, so old cursors keep working")
    func newestFirstCursor() throws {
        let cursor = LeadCursor.newestFirst(after: Self.id).encoded
        #expect(cursor == PageCursor.encode(Self.id))
        #expect(cursor.count == 48)
        let page = try LeadPageRequest.parse(sort: .newestFirst, limit: 10, cursor: cursor).get()
        #expect(page.runs(slaState: nil) == [.newestFirst(after: Self.id)])
        #expect(page.runs(slaState: .running) == [.newestFirst(after: Self.id)])
    }

    @Test("a due_at cursor carries the exact due_at and the id, or that the lead had no due_at",
          arguments: [dueAt, nil, 0, -1, Int64(1) << 62])
    func dueSoonestCursorRoundTrips(dueAt: Int64?) throws {
        let key = LeadSortKey(id: Self.id, dueAt: dueAt)
        let cursor = LeadCursor.dueSoonest(after: key).encoded
        #expect(cursor.count == 34)
        #expect(cursor.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "URL-safe as it is: \(cursor)")
        #expect(cursor.wholeMatch(of: try Regex("^([A-Za-z0-9+/]{48}|[A-Za-z0-9_-]{34})?$")) != nil, "the document's pattern admits it")
        #expect(LeadCursor(encoded: cursor) == .dueSoonest(after: key))
        let page = try LeadPageRequest.parse(sort: .dueSoonest, limit: nil, cursor: cursor).get()
        #expect(page.after == .dueSoonest(after: key))
    }

    @Test("a cursor of one order is a 422 on cursor with the other, naming both sorts")
    func crossedCursorsAreRefused() throws {
        let due = LeadCursor.dueSoonest(after: LeadSortKey(id: Self.id, dueAt: Self.dueAt)).encoded
        let newest = LeadCursor.newestFirst(after: Self.id).encoded
        for (sort, cursor, other) in [(LeadOrder.newestFirst, due, "due_at"), (nil, due, "due_at"), (.dueSoonest, newest, "-created_at")] {
            guard case .failure(let failure) = LeadPageRequest.parse(sort: sort, limit: nil, cursor: cursor) else {
                Issue.record("sort=\(sort?.rawValue ?? "(none)") took a cursor of sort=\(other)")
                continue
            }
            #expect(failure.errors.map(\.field) == ["cursor"])
            #expect(failure.errors.first?.message.contains("sort=\(other)") == true, "\(failure.errors)")
        }
    }

    @Test("anything but a cursor this API returned is refused")
    func garbageIsRefused() {
        let valid = LeadCursor.dueSoonest(after: LeadSortKey(id: Self.id, dueAt: Self.dueAt)).encoded
        var bytes = Self.bytes(of: valid)
        bytes[0] = 3
        let unknownTag = Self.encode(bytes)
        bytes = Self.bytes(of: LeadCursor.dueSoonest(after: LeadSortKey(id: Self.id, dueAt: nil)).encoded)
        bytes[8] = 1
        let tailWithInstant = Self.encode(bytes)
        // The last character's four low bits are padding; only zeros spell the cursor.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = alphabet.firstIndex(of: valid.last!)!
        let nonCanonical = String(valid.dropLast()) + String(alphabet[last ^ 1])
        let garbage = [
            "garbage!", String(repeating: "!", count: 34), String(valid.dropLast()), valid + "A",
            "+" + valid.dropFirst(),  // base64, not base64url
            unknownTag, tailWithInstant, nonCanonical,
        ]
        for cursor in garbage {
            #expect(LeadCursor(encoded: cursor) == nil, "\(cursor)")
            for sort in LeadOrder.allCases {
                guard case .failure(let failure) = LeadPageRequest.parse(sort: sort, limit: nil, cursor: cursor) else {
                    Issue.record("\(cursor) accepted with sort=\(sort.rawValue)")
                    continue
                }
                #expect(failure.errors == [FieldError(field: "cursor", message: "is not a cursor this API returned; start again without it")])
            }
        }
    }

    @Test("due_at reads the leads with a due_at, then the tail without; sla_state skips the run it cannot match")
    func runs() {
        let dated = LeadSortKey(id: Self.id, dueAt: Self.dueAt)
        let undated = LeadSortKey(id: Self.id, dueAt: nil)
        let first = LeadPageRequest(order: .dueSoonest)
        #expect(first.runs(slaState: nil) == [.dated(after: nil), .undated(after: nil)])
        #expect(first.runs(slaState: .running) == [.dated(after: nil)], "the board never looks for leads without a due_at")
        #expect(first.runs(slaState: .breached) == [.dated(after: nil)])
        #expect(first.runs(slaState: SLASnapshot.State.none) == [.undated(after: nil)])

        let middle = LeadPageRequest(order: .dueSoonest, after: .dueSoonest(after: dated))
        #expect(middle.runs(slaState: nil) == [.dated(after: dated), .undated(after: nil)])
        #expect(middle.runs(slaState: .running) == [.dated(after: dated)])

        let tail = LeadPageRequest(order: .dueSoonest, after: .dueSoonest(after: undated))
        #expect(tail.runs(slaState: nil) == [.undated(after: Self.id)])
        #expect(tail.runs(slaState: .met) == [], "past every lead with a due_at")

        #expect(LeadPageRequest().runs(slaState: .running) == [.newestFirst(after: nil)])
    }

    @Test("limit and cursor faults come in one 422; an empty cursor is the first page")
    func faultsTogether() throws {
        guard case .failure(let failure) = LeadPageRequest.parse(sort: .dueSoonest, limit: 0, cursor: "nope") else {
            Issue.record("accepted")
            return
        }
        #expect(failure.errors.map(\.field) == ["limit", "cursor"])
        #expect(try LeadPageRequest.parse(sort: .dueSoonest, limit: 200, cursor: "").get().after == nil)
    }

    @Test("the next cursor names the page's last lead, in the page's order, and only when more remain")
    func nextCursor() {
        let keys = [
            LeadSortKey(id: UUID.v7(), dueAt: Self.dueAt),
            LeadSortKey(id: UUID.v7(), dueAt: Self.dueAt),
            LeadSortKey(id: UUID.v7(), dueAt: nil),
            LeadSortKey(id: UUID.v7(), dueAt: nil),
        ]
        let due = LeadPageRequest(order: .dueSoonest, limit: 2)
        let first = due.page(Array(keys.prefix(3)), key: { $0 })
        #expect(first.page == Array(keys.prefix(2)))
        #expect(first.next.flatMap(LeadCursor.init(encoded:)) == .dueSoonest(after: keys[1]))
        let tail = due.page(Array(keys.suffix(3)), key: { $0 })
        #expect(tail.next.flatMap(LeadCursor.init(encoded:)) == .dueSoonest(after: keys[2]))
        #expect(due.page(Array(keys.prefix(2)), key: { $0 }).next == nil)

        let newest = LeadPageRequest(order: .newestFirst, limit: 2).page(keys, key: { $0 })
        #expect(newest.next == PageCursor.encode(keys[1].id))
    }

    // MARK: -

    static func bytes(of cursor: String) -> [UInt8] {
        let standard = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="
        return [UInt8](Data(base64Encoded: standard)!)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
