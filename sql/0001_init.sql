-- Handoff: the first schema of the domain.
--
-- Every tenant-owned table has tenant_id leading its primary key, foreign keys
-- and indexes, so isolation holds by construction and the schema distributes by
-- tenant_id unchanged (Citus). Ids are UUIDv7 made by the application: time
-- ordered, so they page and index well, and no global sequence sits in a hot table.
--
-- Row Level Security is enabled and FORCED on every tenant table. The service
-- switches to the restricted role handoff_app inside each transaction and names
-- its tenant in app.tenant_id; background workers and operator endpoints name the
-- scope 'system' in app.scope instead. Neither setting survives its transaction.

-- Roles belong to the cluster, not the database: two databases migrating at
-- once (tests, or tenants of one server) may both find the role missing, so
-- the loser of that race accepts the winner's role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'handoff_app') THEN
        CREATE ROLE handoff_app NOLOGIN NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The role that runs migrations (and the service) must be able to SET ROLE to
-- handoff_app; superusers can already.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'handoff_app', 'MEMBER') THEN
        EXECUTE format('GRANT handoff_app TO %I', current_user);
    END IF;
EXCEPTION WHEN unique_violation OR object_not_in_prerequisite_state THEN
    NULL;
END
$$;

-- The tenant a transaction acts for, or NULL.
CREATE FUNCTION handoff_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- True when a worker or the operator acts across tenants.
CREATE FUNCTION handoff_system_scope() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.scope', true), '') = 'system' $$;

CREATE TABLE tenants (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    reporting_timezone  text NOT NULL DEFAULT 'UTC',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    name          text NOT NULL,
    -- The public part of the secret, looked up before the hash is compared.
    prefix        text NOT NULL,
    secret_hash   bytea NOT NULL,
    scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['admin', 'ingest', 'read'] AND cardinality(scopes) > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE calendars (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    timezone    text NOT NULL,
    -- [{day: "mon", start: "09:00", end: "17:30"}]
    hours       jsonb NOT NULL DEFAULT '[]',
    holidays    date[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE owners (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    name            text NOT NULL,
    email           text NOT NULL,
    slack_user_id   text,
    phone           text,
    timezone        text NOT NULL DEFAULT 'UTC',
    territories     text[] NOT NULL DEFAULT '{}',
    active          boolean NOT NULL DEFAULT true,
    max_open_leads  integer CHECK (max_open_leads > 0),
    away_until      timestamptz,
    calendar_id     uuid,
    -- Leads assigned and not yet responded to: least_loaded and max_open_leads read it.
    open_leads      integer NOT NULL DEFAULT 0 CHECK (open_leads >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, calendar_id) REFERENCES calendars (tenant_id, id)
);

CREATE TABLE teams (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE team_members (
    tenant_id   uuid NOT NULL,
    team_id     uuid NOT NULL,
    owner_id    uuid NOT NULL,
    position    integer NOT NULL,
    weight      integer NOT NULL DEFAULT 1 CHECK (weight > 0),
    PRIMARY KEY (tenant_id, team_id, owner_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, owner_id) REFERENCES owners (tenant_id, id)
);
CREATE INDEX team_members_owner ON team_members (tenant_id, owner_id);

-- Round-robin turns are taken from a per-team counter. It lives apart from
-- teams so that configuration edits never wait on intake.
CREATE TABLE team_rotation (
    tenant_id   uuid NOT NULL,
    team_id     uuid NOT NULL,
    turns       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, team_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE sla_policies (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    id                   uuid NOT NULL,
    name                 text NOT NULL,
    target_seconds       integer NOT NULL CHECK (target_seconds > 0),
    calendar_id          uuid,
    warn_before_seconds  integer CHECK (warn_before_seconds > 0),
    -- [{after_seconds, action: "notify" | "reassign", team_id?, owner_id?}]
    escalations          jsonb NOT NULL DEFAULT '[]',
    restart_on_reassign  boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, calendar_id) REFERENCES calendars (tenant_id, id)
);

CREATE TABLE funnels (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL,
    name               text NOT NULL,
    qualify_min_score  numeric NOT NULL,
    sla_policy_id      uuid NOT NULL,
    fallback_owner_id  uuid,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, sla_policy_id) REFERENCES sla_policies (tenant_id, id),
    FOREIGN KEY (tenant_id, fallback_owner_id) REFERENCES owners (tenant_id, id)
);

CREATE TABLE routing_rules (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    name           text NOT NULL,
    funnel_id      uuid,
    position       integer NOT NULL,
    -- [{field, op, value}]
    conditions     jsonb NOT NULL DEFAULT '[]',
    -- {strategy, owner_id?, team_id?, attribute?}
    assign         jsonb NOT NULL,
    sla_policy_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, funnel_id) REFERENCES funnels (tenant_id, id),
    FOREIGN KEY (tenant_id, sla_policy_id) REFERENCES sla_policies (tenant_id, id)
);
CREATE INDEX routing_rules_order ON routing_rules (tenant_id, position, id);

CREATE TABLE channels (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('slack', 'webhook', 'email')),
    config      jsonb NOT NULL,
    -- whsec_… for webhook channels; shown once, on creation and rotation.
    secret      text,
    events      text[] NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE leads (
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    id                    uuid NOT NULL,
    funnel_id             uuid NOT NULL,
    external_id           text,
    email                 text NOT NULL,
    name                  text,
    phone                 text,
    score                 numeric NOT NULL,
    answers               jsonb NOT NULL DEFAULT '{}',
    attributes            jsonb NOT NULL DEFAULT '{}',
    status                text NOT NULL CHECK (status IN ('unqualified', 'unassigned', 'assigned', 'responded')),
    owner_id              uuid,
    -- {rule_id, strategy, trace: [...]}
    routing               jsonb,
    sla_policy_id         uuid,
    sla_state             text NOT NULL DEFAULT 'none' CHECK (sla_state IN ('running', 'met', 'breached', 'none')),
    sla_started_at        timestamptz,
    sla_due_at            timestamptz,
    sla_warned_at         timestamptz,
    sla_breached_at       timestamptz,
    sla_responded_at      timestamptz,
    sla_response_seconds  integer,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, funnel_id) REFERENCES funnels (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES owners (tenant_id, id),
    FOREIGN KEY (tenant_id, sla_policy_id) REFERENCES sla_policies (tenant_id, id)
);
CREATE INDEX leads_by_status ON leads (tenant_id, status, id);
CREATE INDEX leads_by_owner ON leads (tenant_id, owner_id, id);
CREATE INDEX leads_by_funnel ON leads (tenant_id, funnel_id, id);
CREATE INDEX leads_by_sla_state ON leads (tenant_id, sla_state, id);
CREATE INDEX leads_by_created ON leads (tenant_id, created_at);

CREATE TABLE lead_responses (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    lead_id       uuid NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('call', 'email', 'sms', 'meeting', 'other')),
    owner_id      uuid,
    responded_at  timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES owners (tenant_id, id)
);
CREATE INDEX lead_responses_by_lead ON lead_responses (tenant_id, lead_id);

-- Pending SLA timers: warning, breach and each escalation step of a lead's clock.
CREATE TABLE timers (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    lead_id       uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('warning', 'breach', 'escalation')),
    step          integer,
    due_at        timestamptz NOT NULL,
    fired_at      timestamptz,
    cancelled_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id)
);
-- The engine's one question: what is due next, across tenants.
CREATE INDEX timers_pending ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_by_lead ON timers (tenant_id, lead_id);

CREATE TABLE events (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    type        text NOT NULL CHECK (type IN ('lead.assigned', 'lead.unassigned', 'sla.warning',
                                              'sla.breached', 'lead.escalated', 'lead.responded')),
    lead_id     uuid,
    -- The payload webhooks carry: {id, type, created_at, tenant_id, data: {lead, owner, sla}}
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_by_lead ON events (tenant_id, lead_id, id);

-- The outbox: one row per (event, subscribed channel).
CREATE TABLE deliveries (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL,
    event_id         uuid NOT NULL,
    channel_id       uuid NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (tenant_id, event_id);
CREATE INDEX deliveries_by_channel ON deliveries (tenant_id, channel_id, id);

CREATE TABLE delivery_attempts (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    delivery_id   uuid NOT NULL,
    attempted_at  timestamptz NOT NULL,
    duration_ms   integer NOT NULL,
    status_code   integer,
    error         text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES deliveries (tenant_id, id)
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (tenant_id, delivery_id);

-- Idempotency-Key replays. Operator requests (no tenant) use the nil UUID.
CREATE TABLE idempotency_keys (
    tenant_id        uuid NOT NULL,
    key              text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    request_hash     bytea NOT NULL,
    response_status  integer,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Metered usage per tenant and UTC day; dimension is e.g. the channel type.
CREATE TABLE usage_daily (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    day        date NOT NULL,
    metric     text NOT NULL,
    dimension  text NOT NULL DEFAULT '',
    value      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, metric, dimension)
);

-- Row Level Security: a tenant transaction sees its own rows; the system scope
-- (workers, operator endpoints) sees all. Forced, so the table owner is held too.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_keys', 'calendars', 'owners', 'teams', 'team_members', 'team_rotation',
                             'sla_policies', 'funnels', 'routing_rules', 'channels', 'leads',
                             'lead_responses', 'timers', 'events', 'deliveries', 'delivery_attempts',
                             'idempotency_keys', 'usage_daily']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = handoff_current_tenant() OR handoff_system_scope())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO handoff_app', t);
    END LOOP;
END
$$;

-- A tenant sees its own row; the operator (system scope) sees all.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants USING (id = handoff_current_tenant() OR handoff_system_scope());
GRANT SELECT, INSERT, UPDATE ON tenants TO handoff_app;
GRANT EXECUTE ON FUNCTION handoff_current_tenant(), handoff_system_scope() TO handoff_app;
