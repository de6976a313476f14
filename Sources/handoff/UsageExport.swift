import ArgumentParser
import Foundation
import HandoffCore
import HandoffStore
import PostgresNIO

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Metered usage for billing.",
        subcommands: [UsageExport.self]
    )
}

/// What billing jobs run: every tenant's usage for a UTC month, the same rows
/// as the operator's `GET /v1/usage?period=`.
struct UsageExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export every tenant's usage for a month (UTC) as CSV (RFC 4180) or JSON."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json
    }

    @Option(help: "The month, e.g. 2026-11.")
    var period: String

    @Option(help: "csv or json.")
    var format: Format = .csv

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard BillingPeriod(period) != nil else { throw ValidationError("--period must be a month like 2026-11") }
    }

    func run() async throws {
        guard let billingPeriod = BillingPeriod(period) else { throw ValidationError("--period must be a month like 2026-11") }
        let settings = try Settings()
        let logger = settings.logger("handoff.usage")
        _ = try await SchemaGate.check(settings: settings, postgres: try settings.postgres(), logger: logger)
        let rows = try await PostgresClient.withRunning(try settings.postgres(), logger: logger) { client in
            try await UsageStore(database: Database(client: client, logger: logger)).monthly(billingPeriod)
        }
        let data: Data
        switch format {
        case .csv: data = Data(CSV.usage(rows).utf8)
        case .json: data = try WireJSON.encode(["data": rows]) + Data("\n".utf8)
        }
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            FileHandle.standardError.write(Data("wrote \(rows.count) rows for \(billingPeriod) to \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
