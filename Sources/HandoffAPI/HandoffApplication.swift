import Foundation
import struct HandoffCore.IntakeAdmission
import struct HandoffCore.SecretKey
import HandoffOpenAPI
import HandoffStore
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// Everything the API needs, injected: no globals, so tests build the same
/// application against their own database and clock.
public struct APIDependencies: Sendable {
    public var database: Database
    public var migrator: Migrator
    public var operatorKey: String
    public var metrics: PrometheusCollectorRegistry
    public var clock: @Sendable () -> Date
    /// HANDOFF_WEBHOOK_ALLOW_PRIVATE: accept http and private delivery targets (development, tests).
    public var allowPrivateTargets: Bool
    public var rateLimit: RateLimit
    /// Key lookups per client address, before authentication (`AuthMiddleware`).
    public var addressRateLimit: RateLimit
    /// HANDOFF_SECRET_KEY: seals webhook signing secrets at rest.
    public var secretKey: SecretKey
    /// An HTTP connection that sends nothing for this long is closed, so idle
    /// or stalled clients cannot hold connections open forever.
    public var idleTimeout: Duration
    /// Tenant configuration for intake, invalidated across processes by NOTIFY.
    public var configurationCache: ConfigurationCache
    /// Wakes timer engines and dispatchers after intake commits.
    public var outbox: OutboxSignal
    /// Checked keys, invalidated across processes by NOTIFY on revocation and suspension.
    public var keyCache: APIKeyCache
    /// How many lead intakes run at once; yields to this process's workers when they fall behind.
    public var intakeGate: IntakeGate

    public init(
        database: Database, migrator: Migrator, operatorKey: String, metrics: PrometheusCollectorRegistry,
        allowPrivateTargets: Bool = false, rateLimit: RateLimit = .standard,
        addressRateLimit: RateLimit = .lookupsPerAddress,
        secretKey: SecretKey = .generate(),
        idleTimeout: Duration = .seconds(60),
        intakeAdmission: IntakeAdmission = IntakeAdmission(maximum: DatabaseURL.defaultPoolSize),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.rateLimit = rateLimit
        self.addressRateLimit = addressRateLimit
        self.secretKey = secretKey
        self.idleTimeout = idleTimeout
        self.configurationCache = ConfigurationCache(database: database)
        self.outbox = OutboxSignal(database: database)
        self.keyCache = APIKeyCache(database: database)
        self.intakeGate = IntakeGate(admission: intakeAdmission)
        self.allowPrivateTargets = allowPrivateTargets
        self.database = database
        self.migrator = migrator
        self.operatorKey = operatorKey
        self.metrics = metrics
        self.clock = clock
    }
}

public enum HandoffApplication {
    public static func router(_ dependencies: APIDependencies) throws -> Router<HandoffRequestContext> {
        let document = String(decoding: try OpenAPIDocument.yaml(), as: UTF8.self)
        let parameters = try ParameterTable(openAPIYAML: document)
        let routes = RouteTable(parameters)
        let router = Router(context: HandoffRequestContext.self)
        let problems = ProblemMiddleware<HandoffRequestContext>(routes: routes)
        router.add(middleware: problems)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ContentTypeGuardMiddleware())
        router.add(middleware: BodyLimitMiddleware(maxBytes: APILimits.maxBodyBytes))
        router.add(middleware: AuthMiddleware(
            operatorKey: dependencies.operatorKey, keys: dependencies.keyCache, routes: routes,
            addressLimit: dependencies.addressRateLimit, clock: dependencies.clock
        ))
        router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(dependencies.rateLimit), clock: dependencies.clock))
        router.add(middleware: ParameterValidationMiddleware(routes: routes, parameters: parameters))
        router.add(middleware: AcceptBeforeWritesMiddleware())
        let handlers = APIHandlers(dependencies)
        let intake = LeadIntakeRoute(handlers: handlers)
        router.add(middleware: IdempotencyMiddleware(
            store: IdempotencyStore(database: dependencies.database), classify: problems.problem(for:request:),
            committedLead: { tenantID, leadID in try await intake.committed(tenantID: tenantID, leadID: leadID) },
            clock: dependencies.clock
        ))
        router.on(RouterPath(LeadIntakeRoute.path), method: LeadIntakeRoute.method) { request, _ in
            try await intake.respond(to: request)
        }
        try handlers.registerHandlers(
            on: GeneratedRoutes(router: router, servedByHand: [(LeadIntakeRoute.method, LeadIntakeRoute.path)]),
            configuration: openAPIConfiguration
        )
        return router
    }

    /// Compact JSON with sorted keys: clients parse it, and it is cheap to write.
    static let openAPIConfiguration = OpenAPIRuntime.Configuration(
        dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )

    /// The HTTP application, with the database pool and any workers as services
    /// it starts before serving and stops after the last request on shutdown.
    public static func build(
        _ dependencies: APIDependencies,
        configuration: ApplicationConfiguration,
        services: [any Service] = [],
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let idle = dependencies.idleTimeout.components
        var app = Application(
            router: try router(dependencies),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
            configuration: configuration, logger: logger
        )
        app.addServices(
            dependencies.database.client, dependencies.configurationCache, dependencies.keyCache, dependencies.outbox, dependencies.intakeGate
        )
        for service in services { app.addServices(service) }
        return app
    }
}
