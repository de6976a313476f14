@testable import HandoffTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// A connection that sends nothing is closed by the server after the idle
/// timeout, so idle or stalled clients cannot hold connections forever.
@Suite struct IdleTimeoutTests {
    @Test func aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        try await TestApp.run(idleTimeout: .seconds(1)) { app in
            let port = try #require(app.client.port)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            // Bounded, so a server without the timeout fails the test instead of hanging it.
            let closed = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await channel.closeFuture.get()) != nil }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !closed { try? await channel.close() }
            #expect(closed, "the server kept an idle connection open")
        }
    }
}
