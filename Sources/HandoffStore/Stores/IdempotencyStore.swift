import Foundation
import HandoffCore
import PostgresNIO

/// The hold a request has on its Idempotency-Key, passed to the intake
/// procedure so the lead and the key's outcome commit together.
public struct IntakeIdempotency: Sendable, Equatable {
    public var key: String
    public var reservation: UUID

    public init(key: String, reservation: UUID) {
        self.key = key
        self.reservation = reservation
    }

    /// Bound by IdempotencyMiddleware around the request it reserved a key for.
    @TaskLocal public static var current: IntakeIdempotency?
}

/// Stored responses for `Idempotency-Key` replays, per tenant. Bodies arrive
/// sealed (`ReplaySeal`); this store never sees them in the clear.
public struct IdempotencyStore: Sendable {
    /// Operator requests have no tenant; their keys live under the nil UUID.
    public static let operatorNamespace = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    /// How long a key is kept, and so how long a replay is promised.
    public static let retention: Duration = .seconds(24 * 3600)
    /// A reservation whose request never finished (the process died) is given
    /// up after this long, so the client can retry.
    public static let abandonedAfter: Duration = .seconds(60)

    public struct StoredResponse: Sendable, Equatable {
        public var status: Int
        public var contentType: String?
        public var body: Data

        public init(status: Int, contentType: String?, body: Data) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public enum Reservation: Sendable, Equatable {
        /// First use of the key: run the request, then `complete` or `release`.
        /// The id names this request's hold on the key (see `IntakeIdempotency`).
        case reserved(UUID)
        /// Same key, same request, finished: replay this.
        case replay(StoredResponse)
        /// Same key, same request, whose lead committed but whose response was
        /// never stored (the process died, or storing it failed): answer with
        /// that lead, never write it again.
        case committed(leadID: UUID)
        /// Same key, another request.
        case mismatch
        /// Same key, same request, still running elsewhere.
        case inProgress
    }

    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func reserve(namespace: UUID, key: String, method: String, path: String, requestHash: Data, now: Date) async throws -> Reservation {
        let retention = Double(Self.retention.components.seconds)
        let abandoned = Double(Self.abandonedAfter.components.seconds)
        let reservation = UUID.v7(at: now)
        return try await transaction(namespace) { connection in
            // Take the key if it is new, expired, or abandoned mid-request
            // before anything committed (a lead written under it is `lead_id`).
            let taken = try await connection.query(
                """
                INSERT INTO idempotency_keys (tenant_id, key, method, path, request_hash, created_at, reservation)
                VALUES (\(namespace), \(key), \(method), \(path), \(requestHash), \(now), \(reservation))
                ON CONFLICT (tenant_id, key) DO UPDATE
                    SET method = excluded.method, path = excluded.path, request_hash = excluded.request_hash,
                        response_status = NULL, response_headers = NULL, response_body = NULL, created_at = excluded.created_at,
                        reservation = excluded.reservation, lead_id = NULL
                    WHERE idempotency_keys.created_at < \(now) - make_interval(secs => \(retention))
                       OR (idempotency_keys.response_status IS NULL AND idempotency_keys.lead_id IS NULL
                           AND idempotency_keys.created_at < \(now) - make_interval(secs => \(abandoned))
                           AND idempotency_keys.request_hash = excluded.request_hash)
                RETURNING 1
                """,
                logger: database.logger
            ).collect()
            if !taken.isEmpty { return .reserved(reservation) }
            let rows = try await connection.query(
                """
                SELECT method, path, request_hash, response_status, response_headers->>'content-type', response_body, lead_id
                FROM idempotency_keys WHERE tenant_id = \(namespace) AND key = \(key)
                """,
                logger: database.logger
            ).decode((String, String, Data, Int?, String?, Data?, UUID?).self)
            for try await (storedMethod, storedPath, storedHash, status, contentType, body, leadID) in rows {
                guard storedMethod == method, storedPath == path, storedHash == requestHash else { return .mismatch }
                guard let status else { return leadID.map { .committed(leadID: $0) } ?? .inProgress }
                return .replay(StoredResponse(status: status, contentType: contentType, body: body ?? Data()))
            }
            return .inProgress
        }
    }

    /// Stores the answer. With `reservation`, only while the key is still
    /// this request's: a request that ran so long a retry took its key over
    /// must not overwrite the retry's answer.
    public func complete(namespace: UUID, key: String, reservation: UUID?, response: StoredResponse) async throws {
        try await transaction(namespace) { connection in
            let headers = String(decoding: try JSONEncoder().encode(response.contentType.map { ["content-type": $0] } ?? [:]), as: UTF8.self)
            try await connection.query(
                """
                UPDATE idempotency_keys
                SET response_status = \(response.status), response_headers = \(headers)::jsonb, response_body = \(response.body)
                WHERE tenant_id = \(namespace) AND key = \(key) AND (\(reservation)::uuid IS NULL OR reservation = \(reservation))
                """,
                logger: database.logger
            )
        }
    }

    /// Gives the key back after a failure that the client may retry (5xx):
    /// only this request's own hold, and never one under which a lead
    /// committed (a lost COMMIT acknowledgement also ends in a 5xx).
    public func release(namespace: UUID, key: String, reservation: UUID) async throws {
        _ = try await transaction(namespace) { connection in
            try await connection.query(
                """
                DELETE FROM idempotency_keys
                WHERE tenant_id = \(namespace) AND key = \(key) AND reservation = \(reservation)
                  AND response_status IS NULL AND lead_id IS NULL
                """,
                logger: database.logger
            )
        }
    }

    private func transaction<Result: Sendable>(_ namespace: UUID, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        namespace == Self.operatorNamespace ? try await database.system(body) : try await database.tenant(namespace, body)
    }
}
