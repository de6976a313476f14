import Foundation
import HandoffCore
import Testing

@Suite struct RoutingRecordTests {
    @Test("a lead's stored routing is what WireJSON.encode wrote, with and without a rule and strategy")
    func writtenAsWireJSONEncodes() throws {
        let records = [
            RoutingRecord(ruleID: UUID(), strategy: "territory", trace: [
                #"rule 'DE' (position 10) matched: attributes.country eq "DE" held"#, "SLA policy 5 min: 300 s, due 2026-11-27T08:30:16.448Z",
            ]),
            RoutingRecord(ruleID: nil, strategy: nil, trace: []),
            RoutingRecord(ruleID: nil, strategy: "fallback", trace: ["no rule matched / fallback owner Zoë\n", UUID().uuidString]),
        ]
        for record in records {
            #expect(record.json() == String(decoding: try WireJSON.encode(record), as: UTF8.self))
        }
    }
}
