import Foundation
@testable import HandoffCore

/// The seed story as plain values: Ana (DE) and Ben (FR) in the SDR team, a
/// territory rule on `attributes.country`, a funnel qualifying at 80, and a
/// 5-minute policy on Mon–Fri 09:00–17:00 Europe/Berlin with a 60 s warning.
enum LeadFixtures {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)
    static let tenantID = UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!
    static let ana = id(1), ben = id(2), cleo = id(3)
    static let team = id(10)
    static let calendarID = id(20)
    static let policyID = id(30), hotPolicyID = id(31)
    static let funnelID = id(40), otherFunnelID = id(41)
    static let territoryRuleID = id(50)

    static func id(_ n: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!
    }

    /// Ids 1000, 1001, … in call order.
    final class IDs: @unchecked Sendable {
        var next = 1000
        func callAsFunction() -> UUID {
            defer { next += 1 }
            return LeadFixtures.id(next)
        }
    }

    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// A wall time in Berlin.
    static func berlinTime(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = berlin
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    static let fridayEvening = berlinTime(2026, 11, 27, 18, 0)

    static func owner(_ id: UUID, _ name: String, territories: [String] = [], active: Bool = true, calendarID: UUID? = nil, openLeads: Int = 0) -> Owner {
        Owner(
            id: id, name: name, email: "\(name.lowercased())@example.com", slackUserID: nil, phone: nil,
            timezone: "Europe/Berlin", territories: territories, active: active, maxOpenLeads: nil, awayUntil: nil,
            calendarID: calendarID, openLeads: openLeads, createdAt: epoch, updatedAt: epoch
        )
    }

    static let weekdays: CalendarConfig = CalendarConfig(
        id: calendarID, name: "Berlin office", timezone: "Europe/Berlin",
        hours: [Weekday.mon, .tue, .wed, .thu, .fri].map {
            BusinessHours(day: $0, start: TimeOfDay(hour: 9, minute: 0)!, end: TimeOfDay(hour: 17, minute: 0)!)
        },
        holidays: [], createdAt: epoch, updatedAt: epoch
    )

    static var businessCalendar: BusinessCalendar { weekdays.businessCalendar! }

    static func policy(
        _ id: UUID = policyID, target: Int = 300, calendar: UUID? = calendarID, warn: Int? = 60,
        escalations: [EscalationStep] = [], restart: Bool = false
    ) -> SLAPolicy {
        SLAPolicy(
            id: id, name: id == policyID ? "Call in 5 minutes" : "Hot", targetSeconds: target, calendarID: calendar,
            warnBeforeSeconds: warn, escalations: escalations, restartOnReassign: restart, createdAt: epoch, updatedAt: epoch
        )
    }

    static func funnel(_ id: UUID = funnelID, policy: UUID = policyID, fallback: UUID? = nil) -> Funnel {
        Funnel(
            id: id, name: "Scorecard", qualifyMinScore: 80, slaPolicyID: policy, fallbackOwnerID: fallback,
            active: true, createdAt: epoch, updatedAt: epoch
        )
    }

    static func territoryRule(policy: UUID? = nil, funnel: UUID? = funnelID) -> RoutingRuleConfig {
        RoutingRuleConfig(
            id: territoryRuleID, name: "By territory", funnelID: funnel, position: 10, conditions: [],
            assign: .territory(team: team, attribute: "country"), slaPolicyID: policy, createdAt: epoch, updatedAt: epoch
        )
    }

    static let sdrTeam = Team(id: team, name: "SDRs", memberIDs: [ana, ben], weights: [:], createdAt: epoch, updatedAt: epoch)

    static func channel(_ id: UUID, events: [EventType], active: Bool = true, created: TimeInterval = 0) -> NotificationChannel {
        NotificationChannel(
            id: id, name: "channel \(id)", type: .webhook, config: ChannelConfig(url: "https://example.com/hook"),
            secret: "whsec_test", events: events.map(\.rawValue), active: active,
            createdAt: epoch.addingTimeInterval(created), updatedAt: epoch
        )
    }

    static func configuration(
        owners: [Owner] = [owner(ana, "Ana", territories: ["DE"]), owner(ben, "Ben", territories: ["FR"])],
        policies: [SLAPolicy] = [policy()],
        funnels: [Funnel] = [funnel()],
        rules: [RoutingRuleConfig] = [territoryRule()],
        channels: [NotificationChannel] = [channel(id(60), events: [.leadAssigned, .leadUnassigned])]
    ) -> TenantConfiguration {
        TenantConfiguration(
            owners: owners, teams: [sdrTeam], calendars: [weekdays], policies: policies, funnels: funnels,
            rules: rules, channels: channels
        )
    }

    static func submission(score: Double = 80, country: String = "DE") -> LeadSubmission {
        LeadSubmission(
            funnelID: funnelID, externalID: "quiz-1", email: "lead@example.com", name: "Lena Lead", phone: nil,
            score: score, answers: ["team_size": "11-50", "budget": 5000], attributes: ["country": .string(country)]
        )
    }

    static func plan(
        _ submission: LeadSubmission = submission(), funnel: Funnel = funnel(), configuration: TenantConfiguration = configuration(),
        turns: [UUID: Int64] = [:], now: Date = fridayEvening
    ) -> IntakePlan {
        IntakePlanner.plan(
            submission: submission, funnel: funnel, configuration: configuration, openLeads: [:], turns: turns,
            tenantID: tenantID, now: now, newID: IDs().callAsFunction
        )
    }
}
