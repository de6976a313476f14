@testable import HandoffTestSupport
import Foundation
import HandoffCore
import HandoffStore
import HandoffWorkers
import Testing

/// `GET /v1/deliveries` and `POST /v1/deliveries/{id}/retry` over HTTP, on
/// deliveries a real dispatcher sent through a channel made with the API.
@Suite("Deliveries API")
struct DeliveriesAPITests {
    static let deliveryKeys: Set<String> = [
        "id", "event_id", "event_type", "channel_id", "status", "attempt_count", "next_attempt_at",
        "last_error", "delivered_at", "created_at", "attempts",
    ]

    @Test("the log lists deliveries newest first with their attempts, filters, pages; retry sends a failed one again; other tenants see nothing")
    func logAndRetry() async throws {
        try await TestApp.run(allowPrivateTargets: true) { app in
            // The receiver refuses the first event for good (410) until told otherwise.
            let healed = HealedFlag()
            try await HTTPReceiver.with({ request, _ in
                request.path == "/gone" && !healed.isSet ? .status(410, body: "not yet") : .status(200, body: "ok")
            }) { receiver in
                let (tenantText, key) = try await app.createTenant("Acme")
                let tenant = try #require(UUID(uuidString: tenantText))
                let channelBody = try await app.create("/v1/channels", key: key, json: jsonBody([
                    "name": "CRM", "type": "webhook", "config": ["url": receiver.url("/ok")], "events": ["lead.assigned", "sla.breached"],
                ]))
                let channelText = try #require(channelBody["id"] as? String)
                let channel = try #require(UUID(uuidString: channelText))
                let secretText = try #require(channelBody["secret"] as? String)
                let secret = try #require(WebhookSecret(secretText))
                let goneBody = try await app.create("/v1/channels", key: key, json: jsonBody([
                    "name": "Old CRM", "type": "webhook", "config": ["url": receiver.url("/gone")], "events": ["lead.assigned"],
                ]))
                let goneText = try #require(goneBody["id"] as? String)
                let goneChannel = try #require(UUID(uuidString: goneText))

                let client = app.database.client
                let logger = app.database.logger
                let first = DeliveryTestEvents.event(.leadAssigned, tenantID: tenant)
                let second = DeliveryTestEvents.event(.slaBreached, tenantID: tenant)
                try await DeliveryHarness.insertEvent(first, client: client, logger: logger)
                try await DeliveryHarness.insertEvent(second, client: client, logger: logger)
                let delivered = try await DeliveryHarness.insertDelivery(tenantID: tenant, eventID: first.id, channelID: channel, client: client, logger: logger)
                let failed = try await DeliveryHarness.insertDelivery(tenantID: tenant, eventID: first.id, channelID: goneChannel, client: client, logger: logger)
                let later = try await DeliveryHarness.insertDelivery(tenantID: tenant, eventID: second.id, channelID: channel, client: client, logger: logger)

                var settings = testDeliverySettings()
                settings.secretKey = app.dependencies.secretKey  // the API stored the secrets sealed with it
                try await withDispatchers(database: app.database, settings: settings) { _ in
                    let h = DeliveryHarness(database: app.database)
                    for id in [delivered, failed, later] { try await h.waitFor(tenantID: tenant, deliveryID: id) }

                    // The channel the API made is the one the dispatcher signed with.
                    for request in receiver.requests where request.path == "/ok" {
                        try WebhookVerifier(secret: secret).verify(body: request.body, headers: request.headerDictionary, now: Date())
                    }

                    // Newest first, every field present, attempts included.
                    let all = try await app.list("/v1/deliveries", key: key)
                    #expect(all.compactMap { $0["id"] as? String } == [later, failed, delivered].map { $0.uuidString.lowercased() })
                    for item in all {
                        #expect(Set(item.keys) == Self.deliveryKeys)
                        #expect(isRFC3339Millis(item["created_at"]))
                    }
                    let ok = try #require(all.last)
                    #expect(ok["status"] as? String == "delivered")
                    #expect(ok["event_id"] as? String == first.id.uuidString.lowercased())
                    #expect(ok["event_type"] as? String == "lead.assigned")
                    #expect(ok["channel_id"] as? String == channelText)
                    #expect(ok["attempt_count"] as? Int == 1)
                    #expect(ok["next_attempt_at"] is NSNull)
                    #expect(ok["last_error"] is NSNull)
                    #expect(isRFC3339Millis(ok["delivered_at"]))
                    let okAttempts = try #require(ok["attempts"] as? [[String: Any]])
                    #expect(okAttempts.count == 1)
                    #expect(okAttempts.first?["status_code"] as? Int == 200)
                    #expect(okAttempts.first?["error"] is NSNull)
                    #expect(isRFC3339Millis(okAttempts.first?["attempted_at"]))
                    #expect(okAttempts.first?["duration_ms"] is Int)

                    let gone = all[1]
                    #expect(gone["status"] as? String == "failed")
                    #expect(gone["last_error"] as? String == "the receiver answered 410 Gone: not yet; it says this endpoint is gone for good")
                    #expect(gone["delivered_at"] is NSNull)
                    #expect((gone["attempts"] as? [[String: Any]])?.first?["status_code"] as? Int == 410)

                    // Filters, alone and together.
                    let ids = { (query: String) in
                        try await app.listIDs("/v1/deliveries?\(query)", key: key)
                    }
                    #expect(try await ids("status=failed") == [failed.uuidString.lowercased()])
                    #expect(try await ids("status=delivered") == [later, delivered].map { $0.uuidString.lowercased() })
                    #expect(try await ids("status=pending") == [])
                    #expect(try await ids("event_id=\(first.id.uuidString.lowercased())") == [failed, delivered].map { $0.uuidString.lowercased() })
                    #expect(try await ids("channel_id=\(channelText)") == [later, delivered].map { $0.uuidString.lowercased() })
                    #expect(try await ids("channel_id=\(channelText)&event_id=\(second.id.uuidString.lowercased())") == [later.uuidString.lowercased()])
                    #expect(try await ids("channel_id=\(unknownID())") == [])
                    try expectValidation(try await app.request(.get, "/v1/deliveries?channel_id=nope&event_id=1", key: key), fields: ["channel_id", "event_id"])
                    try expectValidation(try await app.request(.get, "/v1/deliveries?limit=0", key: key), fields: ["limit"])
                    let lost = try await app.request(.get, "/v1/deliveries?status=lost", key: key)
                    #expect(lost.status == .badRequest || lost.status == .unprocessableContent, "\(lost.text)")

                    // Pages of one follow the same order.
                    let (paged, pages) = try await app.listAll("/v1/deliveries", key: key, limit: 1)
                    #expect(pages == 3)
                    #expect(paged.compactMap { $0["id"] as? String } == all.compactMap { $0["id"] as? String })

                    // Another tenant sees none of it and cannot retry it.
                    let (_, otherKey) = try await app.createTenant("Globex")
                    #expect(try await app.list("/v1/deliveries", key: otherKey).isEmpty)
                    #expect(try await app.listIDs("/v1/deliveries?event_id=\(first.id.uuidString.lowercased())", key: otherKey) == [])
                    expectProblem(try await app.request(.post, "/v1/deliveries/\(failed.uuidString.lowercased())/retry", key: otherKey), .notFound, slug: "not-found")
                    expectProblem(try await app.request(.post, "/v1/deliveries/\(unknownID())/retry", key: key), .notFound, slug: "not-found")
                    try expectValidation(try await app.request(.post, "/v1/deliveries/not-an-id/retry", key: key), fields: ["id"])

                    // Retry: pending again at once, log kept; the dispatcher,
                    // woken by the retry's NOTIFY, sends it again.
                    healed.set()
                    let retried = try await app.request(.post, "/v1/deliveries/\(failed.uuidString.lowercased())/retry", key: key)
                    #expect(retried.status == .ok, "\(retried.text)")
                    let body = try retried.json()
                    #expect(Set(body.keys) == Self.deliveryKeys)
                    #expect(body["id"] as? String == failed.uuidString.lowercased())
                    #expect(body["status"] as? String == "pending")
                    #expect(isRFC3339Millis(body["next_attempt_at"]))
                    #expect(body["last_error"] is NSNull)
                    #expect(body["attempt_count"] as? Int == 1)
                    #expect((body["attempts"] as? [Any])?.count == 1)

                    try await h.waitFor(tenantID: tenant, deliveryID: failed, status: "delivered")
                    let after = try await app.list("/v1/deliveries?event_id=\(first.id.uuidString.lowercased())&channel_id=\(goneChannel.uuidString.lowercased())", key: key)
                    #expect(after.first?["status"] as? String == "delivered")
                    #expect((after.first?["attempts"] as? [[String: Any]])?.compactMap { $0["status_code"] as? Int } == [410, 200])
                    #expect(after.first?["attempt_count"] as? Int == 2)

                    // A delivered one is final: billing counted it (see
                    // DeliveryRetryBillingTests); a pending one is refused too
                    // (retryPendingConflicts, where no dispatcher races).
                    let again = try await app.request(.post, "/v1/deliveries/\(delivered.uuidString.lowercased())/retry", key: key)
                    expectProblem(again, .conflict, slug: "conflict")
                }
            }
        }
    }

    @Test("retrying a delivery still pending is a 409")
    func retryPendingConflicts() async throws {
        try await TestApp.run(allowPrivateTargets: true) { app in
            let (tenantText, key) = try await app.createTenant("Acme")
            let tenant = try #require(UUID(uuidString: tenantText))
            let channel = try #require(UUID(uuidString: try await app.createID("/v1/channels", key: key, [
                "name": "CRM", "type": "webhook", "config": ["url": "http://127.0.0.1:9/hook"], "events": ["lead.assigned"],
            ])))
            let event = DeliveryTestEvents.event(tenantID: tenant)
            try await DeliveryHarness.insertEvent(event, client: app.database.client, logger: app.database.logger)
            // Due tomorrow: no dispatcher runs here, and it stays pending.
            let delivery = try await DeliveryHarness.insertDelivery(
                tenantID: tenant, eventID: event.id, channelID: channel, due: Date().addingTimeInterval(86_400),
                client: app.database.client, logger: app.database.logger
            )
            let response = try await app.request(.post, "/v1/deliveries/\(delivery.uuidString.lowercased())/retry", key: key)
            expectProblem(response, .conflict, slug: "conflict")
            #expect(try response.json()["detail"] as? String == "The delivery is still pending: it is queued or being retried on its schedule. Only a failed delivery can be retried.")
            let listed = try await app.list("/v1/deliveries", key: key)
            #expect(listed.count == 1)
            #expect(listed.first?["status"] as? String == "pending")
            #expect(isRFC3339Millis(listed.first?["next_attempt_at"]))
            #expect((listed.first?["attempts"] as? [Any])?.isEmpty == true)
            #expect(listed.first?["attempt_count"] as? Int == 0)
        }
    }
}

/// A switch the receiver's responder reads.
final class HealedFlag: Sendable {
    private let flag = NIOLockedValueBox(false)
    var isSet: Bool { flag.withLockedValue { $0 } }
    func set() { flag.withLockedValue { $0 = true } }
}

import NIOConcurrencyHelpers
