-- Idempotency outcomes that commit with the lead, and per-tenant send quotas.
--
-- 1. An Idempotency-Key's reservation names the request that holds it
--    (reservation) and, for POST /v1/leads, the lead it wrote (lead_id),
--    written by the intake procedure in the lead's own transaction. A retry
--    after a crash between the lead's commit and the stored response finds the
--    lead and replays it instead of writing a second one; a request that ran
--    past the takeover window and lost its reservation writes nothing.
-- 2. Stored responses are sealed from now on (IdempotencyMiddleware). The ones
--    kept before held new API keys and webhook signing secrets in the clear:
--    they are deleted, and a retry of one of those requests is served as new.
-- 3. tenants.send_quota_per_day: the deliveries a tenant may queue per UTC
--    day, counted in send_counts by a trigger on deliveries, so every path
--    that queues one (intake, the timer engine, a manual retry) is metered.

ALTER TABLE idempotency_keys ADD COLUMN reservation uuid, ADD COLUMN lead_id uuid;

DELETE FROM idempotency_keys
WHERE method = 'POST' AND (path IN ('/v1/tenants', '/v1/api-keys', '/v1/channels') OR path LIKE '/v1/channels/%/rotate-secret');

-- The procedure gains the key and its reservation (NULL, the default: no
-- Idempotency-Key), so a CALL written for 0005 still works.
DROP PROCEDURE handoff_intake_lead(
    uuid, uuid, uuid, text, text, text, text, float8, jsonb, jsonb, text, uuid, jsonb,
    uuid, text, timestamptz, timestamptz, timestamptz, uuid[], text[], int[], timestamptz[],
    uuid, smallint, uuid[], text[], text[], uuid[], uuid[], uuid[]
);

-- As in 0005, and first, with the lead: the reservation is claimed for this
-- lead. The UPDATE locks the key's row until the COMMIT, so a retry taking
-- over an abandoned reservation waits for it and then sees the lead; a
-- reservation already taken over by a retry matches nothing, and the lead is
-- not written (SQLSTATE HI409).
CREATE PROCEDURE handoff_intake_lead(
    p_tenant uuid, p_lead uuid, p_funnel uuid, p_external_id text, p_email text, p_name text, p_phone text,
    p_score float8, p_answers jsonb, p_attributes jsonb, p_status text, p_owner uuid, p_routing jsonb,
    p_sla_policy uuid, p_sla_state text, p_sla_started_at timestamptz, p_sla_due_at timestamptz, p_created_at timestamptz,
    p_timer_ids uuid[], p_timer_kinds text[], p_timer_steps int[], p_timer_due_at timestamptz[],
    p_load_owner uuid, p_load_slot smallint,
    p_event_ids uuid[], p_event_types text[], p_event_payloads text[],
    p_delivery_ids uuid[], p_delivery_events uuid[], p_delivery_channels uuid[],
    p_idempotency_key text DEFAULT NULL, p_reservation uuid DEFAULT NULL
)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('role', 'handoff_app', true), set_config('app.tenant_id', p_tenant::text, true),
            set_config('app.scope', '', true);
    IF p_idempotency_key IS NOT NULL THEN
        UPDATE idempotency_keys SET lead_id = p_lead
        WHERE tenant_id = p_tenant AND key = p_idempotency_key AND reservation = p_reservation
          AND lead_id IS NULL AND response_status IS NULL;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the Idempotency-Key % is no longer reserved for this request', p_idempotency_key
                USING ERRCODE = 'HI409';
        END IF;
    END IF;
    WITH lead AS (
        INSERT INTO leads (tenant_id, id, funnel_id, external_id, email, name, phone, score, answers, attributes,
                           status, owner_id, routing, sla_policy_id, sla_state, sla_started_at, sla_due_at, created_at, updated_at)
        VALUES (p_tenant, p_lead, p_funnel, p_external_id, p_email, p_name, p_phone, p_score, p_answers, p_attributes,
                p_status, p_owner, p_routing, p_sla_policy, p_sla_state, p_sla_started_at, p_sla_due_at, p_created_at, p_created_at)
    ), timers AS (
        INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
        SELECT p_tenant, t.id, p_lead, t.kind, NULLIF(t.step, -1), t.due_at
        FROM unnest(p_timer_ids, p_timer_kinds, p_timer_steps, p_timer_due_at) AS t(id, kind, step, due_at)
    ), load AS (
        INSERT INTO owner_load AS l (tenant_id, owner_id, slot, delta)
        SELECT p_tenant, p_load_owner, p_load_slot, 1 WHERE p_load_owner IS NOT NULL
        ON CONFLICT (tenant_id, owner_id, slot) DO UPDATE SET delta = l.delta + 1
    ), events AS (
        INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
        SELECT p_tenant, e.id, e.type, p_lead, e.payload::jsonb, p_created_at
        FROM unnest(p_event_ids, p_event_types, p_event_payloads) AS e(id, type, payload)
    )
    INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
    SELECT p_tenant, d.id, d.event_id, d.channel_id, p_created_at, p_created_at, p_created_at
    FROM unnest(p_delivery_ids, p_delivery_events, p_delivery_channels) AS d(id, event_id, channel_id);
    COMMIT;
END
$$;

-- Send quotas. Generous by default: a quota is there to stop a tenant whose
-- key leaked from using the service's sender as a relay, not to ration work.
ALTER TABLE tenants ADD COLUMN send_quota_per_day integer NOT NULL DEFAULT 10000
    CHECK (send_quota_per_day BETWEEN 0 AND 10000000);

-- Deliveries queued per tenant and UTC day, as a few counter rows whose sum
-- is the count. A transaction never waits for a counter row: one row per
-- tenant would be locked from each lead's increment through its commit,
-- serializing the tenant's intake, and transactions that queue deliveries for
-- several tenants (the timer engine's batches) would deadlock taking the rows
-- in different orders. So each increment takes a row no other transaction
-- holds (FOR UPDATE SKIP LOCKED; its own are never skipped), or adds one: at
-- most as many rows as transactions that ran at once.
CREATE TABLE send_counts (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    day        date NOT NULL,
    slot       integer NOT NULL,
    sent       integer NOT NULL,
    PRIMARY KEY (tenant_id, day, slot)
) WITH (fillfactor = 50);

ALTER TABLE send_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE send_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON send_counts USING (tenant_id = handoff_current_tenant() OR handoff_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON send_counts TO handoff_app;

-- A delivery over the quota is failed, not held: its alert is about a clock
-- of minutes, so sending it the next day is no use to anyone, and a failed
-- delivery is visible (GET /v1/deliveries, last_error) and can be retried by
-- the tenant once the operator has raised the quota. Within the quota it is
-- counted. The day is the UTC day of the delivery's own timestamps, which come
-- from the service's clock. Concurrent transactions may each see the last
-- free send, so a busy tenant can overshoot by a few: fine for a quota that
-- exists to stop abuse.
CREATE FUNCTION handoff_meter_send() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_day date := (coalesce(NEW.updated_at, NEW.created_at, now()) AT TIME ZONE 'UTC')::date;
    v_quota integer;
    v_used bigint;
BEGIN
    SELECT t.send_quota_per_day INTO v_quota FROM tenants t WHERE t.id = NEW.tenant_id;
    SELECT coalesce(sum(c.sent), 0) INTO v_used FROM send_counts c WHERE c.tenant_id = NEW.tenant_id AND c.day = v_day;
    IF v_quota IS NOT NULL AND v_used >= v_quota THEN
        NEW.status := 'failed';
        NEW.last_error := format(
            'over the tenant''s send quota of %s per day (UTC day %s): nothing was sent. '
            'The operator can raise send_quota_per_day (PATCH /v1/tenants/{id}); then retry this delivery',
            v_quota, v_day);
        RETURN NEW;
    END IF;
    UPDATE send_counts c SET sent = c.sent + 1
    WHERE (c.tenant_id, c.day, c.slot) = (
        SELECT f.tenant_id, f.day, f.slot FROM send_counts f
        WHERE f.tenant_id = NEW.tenant_id AND f.day = v_day
        ORDER BY f.slot LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        -- A random slot: two transactions adding a row at once collide (and
        -- one waits for the other) about once in a billion.
        INSERT INTO send_counts (tenant_id, day, slot, sent)
        VALUES (NEW.tenant_id, v_day, floor(random() * 2147483647)::integer, 1)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER deliveries_send_quota BEFORE INSERT ON deliveries
    FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION handoff_meter_send();
-- A manual retry queues a settled delivery again: that is a send too.
CREATE TRIGGER deliveries_send_quota_retry BEFORE UPDATE OF status ON deliveries
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending') EXECUTE FUNCTION handoff_meter_send();
