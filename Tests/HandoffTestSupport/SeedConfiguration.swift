import Foundation
@testable import HandoffAPI

/// The seed's configuration, created through the API as a customer would:
/// territory SDRs for DE/AT and US, a managers team, a five-minute policy on a
/// Mon–Fri Berlin calendar, a demo-readiness funnel at 80, and channels.
struct SeedConfiguration {
    var key: String
    var tenantID: String
    var calendar: String
    var ana: String
    var bob: String
    var carla: String
    var sdrTeam: String
    var managers: String
    var policy: String
    var funnel: String
    var territoryRule: String
    var webhook: String
    var slack: String
    var email: String

    static func create(on app: TestApp, tenant: String = "Acme") async throws -> SeedConfiguration {
        let (tenantID, key) = try await app.createTenant(tenant)
        func post(_ path: String, _ json: String) async throws -> String {
            let response = try await app.request(.post, path, key: key, json: json)
            guard response.status == .created else { throw TestFailure("\(path) answered \(response.status): \(response.text)") }
            return try response.json()["id"] as? String ?? ""
        }
        let weekdays = ["mon", "tue", "wed", "thu", "fri"].map { #"{"day":"\#($0)","start":"09:00","end":"17:00"}"# }.joined(separator: ",")
        let calendar = try await post("/v1/calendars", #"{"name":"Berlin office","timezone":"Europe/Berlin","hours":[\#(weekdays)],"holidays":["2026-12-25"]}"#)
        let ana = try await post("/v1/owners", #"{"name":"Ana Schmidt","email":"ana@example.com","timezone":"Europe/Berlin","territories":["DE","AT"]}"#)
        let bob = try await post("/v1/owners", #"{"name":"Bob Miller","email":"bob@example.com","timezone":"America/New_York","territories":["US"]}"#)
        let carla = try await post("/v1/owners", #"{"name":"Carla Manager","email":"carla@example.com","timezone":"Europe/Berlin"}"#)
        let sdrTeam = try await post("/v1/teams", #"{"name":"SDRs","member_ids":["\#(ana)","\#(bob)"]}"#)
        let managers = try await post("/v1/teams", #"{"name":"Managers","member_ids":["\#(carla)"]}"#)
        let policy = try await post("/v1/sla-policies", """
            {"name":"Call within 5 minutes","target_seconds":300,"calendar_id":"\(calendar)","warn_before_seconds":60,
             "escalations":[{"after_seconds":600,"action":"reassign","team_id":"\(managers)"}]}
            """)
        let funnel = try await post("/v1/funnels", #"{"name":"Demo readiness","qualify_min_score":80,"sla_policy_id":"\#(policy)","fallback_owner_id":"\#(carla)"}"#)
        let territoryRule = try await post("/v1/routing-rules", """
            {"name":"Territory SDRs","funnel_id":"\(funnel)","position":10,"conditions":[{"field":"attributes.country","op":"in","value":["DE","AT","US"]}],
             "assign":{"strategy":"territory","team_id":"\(sdrTeam)","attribute":"country"}}
            """)
        let webhook = try await post("/v1/channels", #"{"name":"CRM webhook","type":"webhook","config":{"url":"https://crm.example.com/hooks"},"events":["lead.assigned","lead.responded","sla.breached"]}"#)
        let slack = try await post("/v1/channels", #"{"name":"Sales Slack","type":"slack","config":{"webhook_url":"https://hooks.slack.com/services/T0/B0/x"},"events":["lead.assigned","sla.warning","sla.breached"]}"#)
        let email = try await post("/v1/channels", #"{"name":"Owner e-mail","type":"email","config":{"to_owner":true},"events":["sla.breached"]}"#)
        return SeedConfiguration(
            key: key, tenantID: tenantID, calendar: calendar, ana: ana, bob: bob, carla: carla, sdrTeam: sdrTeam, managers: managers,
            policy: policy, funnel: funnel, territoryRule: territoryRule, webhook: webhook, slack: slack, email: email
        )
    }

    func lead(score: Int = 86, country: String = "DE", email: String = "max@example.de") -> String {
        """
        {"funnel_id":"\(funnel)","external_id":"quiz-1","email":"\(email)","name":"Max Mustermann","score":\(score),
         "answers":{"team_size":"50-200","timeline":"this quarter"},"attributes":{"country":"\(country)"}}
        """
    }
}

extension Date {
    /// Wednesday 2026-11-25 10:00 in Berlin: inside business hours.
    static let wednesdayMorning = Date(timeIntervalSince1970: 1_795_597_200)
}
