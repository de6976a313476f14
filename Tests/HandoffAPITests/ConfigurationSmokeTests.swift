@testable import HandoffTestSupport
import Foundation
import Testing

@Suite struct ConfigurationSmokeTests {
    @Test func seedConfigurationCanBeCreated() async throws {
        try await TestApp.run { app in
            let (_, key) = try await app.createTenant()
            let calendar = try await app.request(.post, "/v1/calendars", key: key, json: """
                {"name":"Berlin","timezone":"Europe/Berlin","hours":[{"day":"mon","start":"09:00","end":"17:00"},{"day":"fri","start":"09:00","end":"17:00"}],"holidays":["2026-12-25"]}
                """)
            #expect(calendar.status == .created, "\(calendar.text)")
            let calendarID = try calendar.json()["id"] as? String ?? ""
            let ana = try await app.request(.post, "/v1/owners", key: key, json: """
                {"name":"Ana","email":"ana@example.com","timezone":"Europe/Berlin","territories":["DE","AT"],"calendar_id":"\(calendarID)"}
                """)
            #expect(ana.status == .created, "\(ana.text)")
            let anaID = try ana.json()["id"] as? String ?? ""
            let team = try await app.request(.post, "/v1/teams", key: key, json: #"{"name":"SDR","member_ids":["\#(anaID)"],"weights":{"\#(anaID)":2}}"#)
            #expect(team.status == .created, "\(team.text)")
            let teamID = try team.json()["id"] as? String ?? ""
            let policy = try await app.request(.post, "/v1/sla-policies", key: key, json: """
                {"name":"5 min","target_seconds":300,"calendar_id":"\(calendarID)","warn_before_seconds":60,"escalations":[{"after_seconds":600,"action":"reassign","team_id":"\(teamID)"}]}
                """)
            #expect(policy.status == .created, "\(policy.text)")
            let policyID = try policy.json()["id"] as? String ?? ""
            let funnel = try await app.request(.post, "/v1/funnels", key: key, json: #"{"name":"Demo","qualify_min_score":80,"sla_policy_id":"\#(policyID)"}"#)
            #expect(funnel.status == .created, "\(funnel.text)")
            let funnelID = try funnel.json()["id"] as? String ?? ""
            let rule = try await app.request(.post, "/v1/routing-rules", key: key, json: """
                {"name":"DACH","funnel_id":"\(funnelID)","position":10,"conditions":[{"field":"attributes.country","op":"in","value":["DE","AT"]}],"assign":{"strategy":"territory","team_id":"\(teamID)","attribute":"country"}}
                """)
            #expect(rule.status == .created, "\(rule.text)")
            let hook = try await app.request(.post, "/v1/channels", key: key, json: #"{"name":"Hook","type":"webhook","config":{"url":"https://example.com/h"},"events":["lead.assigned"]}"#)
            #expect(hook.status == .created, "\(hook.text)")
            #expect((try hook.json()["secret"] as? String)?.hasPrefix("whsec_") == true)
            let list = try await app.request(.get, "/v1/owners?territory=DE", key: key)
            #expect(list.status == .ok, "\(list.text)")
            let patched = try await app.request(.patch, "/v1/owners/\(anaID)", key: key, json: #"{"away_until":"2026-12-01T09:00:00Z","phone":null}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            let delete = try await app.request(.delete, "/v1/owners/\(anaID)", key: key)
            #expect(delete.status == .conflict, "\(delete.text)")
            print(calendar.text, ana.text, team.text, policy.text, funnel.text, rule.text, hook.text, list.text, patched.text, delete.text)
        }
    }
}
