import Foundation
import HandoffCore
import Testing

@Suite("Usage CSV")
struct UsageCSVTests {
    static func row(tenant name: String) -> UsageRow {
        UsageRow(tenantID: UUID(uuidString: "0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01")!, tenantName: name, period: "2026-11",
                 metric: .leadsReceived, dimension: "", value: 3)
    }

    @Test("a tenant name a spreadsheet would run as a formula is written as text")
    func formulaNamesAreNeutralized() {
        for (name, cell) in [
            ("=HYPERLINK(\"http://x\",\"pay\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"pay\"\")\""),
            ("+1-555", "'+1-555"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"),
        ] {
            let line = CSV.usage([Self.row(tenant: name)]).components(separatedBy: "\r\n")[1]
            #expect(line.hasPrefix("0193a1c2-7d4e-7a10-9c3b-5f2e8d1a0b01,\(cell),2026-11,"), "\(name): \(line)")
        }
    }

    @Test("ordinary names, commas and quotes included, are written as they are")
    func ordinaryNamesAreKept() {
        #expect(CSV.usage([Self.row(tenant: "Acme")]).contains(",Acme,2026-11,leads_received,,3\r\n"))
        #expect(CSV.usage([Self.row(tenant: "Beta, \"Ltd\"")]).contains(",\"Beta, \"\"Ltd\"\"\",2026-11,"))
        #expect(CSV.usage([Self.row(tenant: "Café = good")]).contains(",Café = good,"))
    }
}
