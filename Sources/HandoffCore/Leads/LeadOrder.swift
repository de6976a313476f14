import Foundation

/// The orders `GET /v1/leads?sort=` offers, spelled as the API takes them
/// (a field name, `-` for descending, as Zalando's and JSON:API's `sort`).
public enum LeadOrder: String, Sendable, CaseIterable {
    /// Newest first, by id: ids are UUIDv7 minted at intake, so this is
    /// `created_at` descending. The default, and the only order before `sort`.
    case newestFirst = "-created_at"
    /// Soonest `sla.due_at` first, ties by id ascending; leads without a
    /// due_at (their clock never started) last, by id ascending. With
    /// `sla_state=running` it is the board: running clocks, soonest due first.
    case dueSoonest = "due_at"

    public static let `default` = LeadOrder.newestFirst
}

/// What a lead list orders one lead by: its id, and its `sla.due_at` in
/// microseconds since the Unix epoch (PostgreSQL's resolution, so a cursor
/// names the stored instant exactly), nil when it has none.
public struct LeadSortKey: Sendable, Equatable {
    public var id: UUID
    public var dueAt: Int64?

    public init(id: UUID, dueAt: Int64?) {
        self.id = id
        self.dueAt = dueAt
    }
}

/// Where the next page of a lead list starts: just after the last lead of the
/// previous page, in the order that page was listed in (keyset paging).
public enum LeadCursor: Sendable, Equatable {
    /// `-created_at`: the last lead's id, the same cursor every other list
    /// hands out (`PageCursor`), so cursors from before `sort` keep working.
    case newestFirst(after: UUID)
    /// `due_at`: the last lead's sort key.
    case dueSoonest(after: LeadSortKey)

    public var order: LeadOrder {
        switch self {
        case .newestFirst: .newestFirst
        case .dueSoonest: .dueSoonest
        }
    }

    /// The cursor the API hands out.
    ///
    /// A `due_at` cursor is 25 bytes in unpadded base64url (34 characters,
    /// safe in a query string as they are): a tag (1: the last lead had a
    /// due_at; 2: it had none, the page ended in the tail), that due_at as a
    /// big-endian signed count of microseconds since 1970-01-01T00:00:00Z
    /// (zero with tag 2), and the lead id's 16 bytes. Its length tells it
    /// from a `-created_at` cursor (48 characters of base64 of the id's text).
    public var encoded: String {
        switch self {
        case .newestFirst(let id):
            return PageCursor.encode(id)
        case .dueSoonest(let key):
            var bytes: [UInt8] = [key.dueAt == nil ? Self.tagUndated : Self.tagDated]
            let micros = UInt64(bitPattern: key.dueAt ?? 0)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: micros >> UInt64(shift))) }
            withUnsafeBytes(of: key.id.uuid) { bytes.append(contentsOf: $0) }
            return Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }

    /// A cursor this API handed out, of either order; nil for anything else.
    public init?(encoded cursor: String) {
        if cursor.utf8.count == Self.dueSoonestLength {
            guard let key = Self.decodeDueSoonest(cursor) else { return nil }
            self = .dueSoonest(after: key)
        } else {
            guard let id = PageCursor.decode(cursor) else { return nil }
            self = .newestFirst(after: id)
        }
    }

    static let tagDated: UInt8 = 1
    static let tagUndated: UInt8 = 2
    static let dueSoonestLength = 34

    private static func decodeDueSoonest(_ cursor: String) -> LeadSortKey? {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        guard cursor.utf8.allSatisfy(alphabet.contains) else { return nil }
        let standard = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="
        guard let data = Data(base64Encoded: standard), data.count == 25 else { return nil }
        let bytes = [UInt8](data)
        let micros = bytes[1...8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let dueAt: Int64?
        switch bytes[0] {
        case tagDated: dueAt = Int64(bitPattern: micros)
        case tagUndated where micros == 0: dueAt = nil
        default: return nil
        }
        let id = bytes[9...].withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        let key = LeadSortKey(id: id, dueAt: dueAt)
        // One spelling per position: unused low bits of the last character must be zero.
        guard LeadCursor.dueSoonest(after: key).encoded == cursor else { return nil }
        return key
    }
}

/// One stretch of a lead list that is one index range, read in its order.
public enum LeadRun: Sendable, Equatable {
    /// Every lead, newest first (by id, descending), after this id.
    case newestFirst(after: UUID?)
    /// The leads with a due_at, by (due_at, id), after this lead (whose
    /// `dueAt` is set); nil: from the start.
    case dated(after: LeadSortKey?)
    /// The leads without a due_at, by id, after this id; nil: from the start.
    case undated(after: UUID?)
}

/// `?sort=&limit=&cursor=` of `GET /v1/leads`, validated together: a cursor
/// continues the order it was handed out in, and no other.
public struct LeadPageRequest: Sendable, Equatable {
    public var order: LeadOrder
    public var limit: Int
    /// Nil on the first page; otherwise of `order`.
    public var after: LeadCursor?

    public init(order: LeadOrder = .default, limit: Int = PageRequest.defaultLimit, after: LeadCursor? = nil) {
        precondition(after == nil || after?.order == order, "a cursor of another order")
        self.order = order
        self.limit = limit
        self.after = after
    }

    /// Validates the raw query values, reporting every problem as a field of
    /// the one 422; `sort` absent is the default order.
    public static func parse(sort: LeadOrder?, limit: Int?, cursor: String?) -> Result<LeadPageRequest, ValidationFailure> {
        let order = sort ?? .default
        var validator = Validator()
        let limit = limit ?? PageRequest.defaultLimit
        validator.check((1...PageRequest.maxLimit).contains(limit), "limit", "must be between 1 and \(PageRequest.maxLimit)")
        var after: LeadCursor?
        if let cursor, !cursor.isEmpty {
            switch LeadCursor(encoded: cursor) {
            case nil:
                validator.fail("cursor", "is not a cursor this API returned; start again without it")
            case let decoded? where decoded.order != order:
                validator.fail("cursor", "continues a list with sort=\(decoded.order.rawValue), not sort=\(order.rawValue); send it with the sort it came from, or start again without it")
            case let decoded?:
                after = decoded
            }
        }
        guard validator.isValid else { return .failure(ValidationFailure(errors: validator.errors)) }
        return .success(LeadPageRequest(order: order, limit: limit, after: after))
    }

    /// The runs this page reads, in order, until it has `limit + 1` leads.
    ///
    /// `due_at` has two: the leads with a due_at, then those without. A list
    /// filtered by `sla_state` skips the run none of its leads can be in: a
    /// lead has a due_at exactly when its clock started (`SLASchedule` sets
    /// one on every clock), so the board (`running`) never looks for leads
    /// without one, and `none` never for leads with one.
    public func runs(slaState: SLASnapshot.State?) -> [LeadRun] {
        let dated = slaState != SLASnapshot.State.none
        let undated = slaState == nil || slaState == SLASnapshot.State.none
        switch after {
        case .newestFirst(let id)?:
            return [.newestFirst(after: id)]
        case nil where order == .newestFirst:
            return [.newestFirst(after: nil)]
        case nil:
            return (dated ? [.dated(after: nil)] : []) + (undated ? [.undated(after: nil)] : [])
        case .dueSoonest(let key)? where key.dueAt != nil:
            return (dated ? [.dated(after: key)] : []) + (undated ? [.undated(after: nil)] : [])
        case .dueSoonest(let key)?:
            // In the tail already: the leads with a due_at all came before.
            return undated ? [.undated(after: key.id)] : []
        }
    }

    /// The page and the next cursor from rows fetched with `limit + 1`: a
    /// cursor only when more remain, naming the page's last lead.
    public func page<Row>(_ rows: [Row], key: (Row) -> LeadSortKey) -> (page: [Row], next: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let page = Array(rows.prefix(limit))
        let next = page.last.map { row -> String in
            let last = key(row)
            switch order {
            case .newestFirst: return LeadCursor.newestFirst(after: last.id).encoded
            case .dueSoonest: return LeadCursor.dueSoonest(after: last).encoded
            }
        }
        return (page, next)
    }
}
