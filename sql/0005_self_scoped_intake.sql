-- Lead intake in two round trips instead of five.
--
-- A lead that needs no round-robin turn reads its routing state, is planned in
-- the application, and is written (lead, owner load, timers, events,
-- deliveries) by one statement. Sent as BEGIN, scope, read, insert, COMMIT,
-- that was five round trips, each a socket write, a wake-up and a thread hop on
-- both sides (bench/README.md has what the three saved are worth).
--
-- The function and the procedure below set the scope themselves, as their
-- first step and with the same set_config(…, true) calls as the first
-- statement of every transaction (ScopeStatement): the restricted role
-- handoff_app, the tenant, no system scope. Called outside a transaction block,
-- as the service calls them, the scope ends with their transaction, so no
-- pooled connection carries a tenant over. The read needs no transaction
-- around the write: under READ COMMITTED each statement takes its own snapshot
-- anyway, and the read takes no locks.
--
-- PL/pgSQL, not SQL: PL/pgSQL plans each statement when it first runs it, after
-- the role switch, so Row Level Security binds what follows. (A SQL function's
-- statements are all parsed and rewritten, policies included, before the first
-- runs: for the login role.) Not SECURITY DEFINER: that forbids the role switch.

-- Each owner's open leads (summed over their load slots, never negative) and
-- each team's round-robin turn, without locks.
CREATE FUNCTION handoff_routing_state(p_tenant uuid)
    RETURNS TABLE (is_team boolean, id uuid, value bigint)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('role', 'handoff_app', true), set_config('app.tenant_id', p_tenant::text, true),
            set_config('app.scope', '', true);
    RETURN QUERY
        SELECT false, o.id,
               (SELECT greatest(coalesce(sum(l.delta), 0), 0) FROM owner_load l
                WHERE l.tenant_id = o.tenant_id AND l.owner_id = o.id)::bigint
        FROM owners o WHERE o.tenant_id = p_tenant
        UNION ALL
        SELECT true, r.team_id, r.turns FROM team_rotation r WHERE r.tenant_id = p_tenant;
END
$$;

-- A planned lead and everything that hangs off it. Data-modifying CTEs share a
-- snapshot and their foreign keys are checked at the statement's end, so the
-- lead, its owner's open-lead count (p_load_owner, NULL when it counts for
-- nobody), its timers, events and deliveries land together or not at all.
-- A timer without a step has step -1 (the client binds arrays without NULLs).
--
-- A procedure that COMMITs, not a function left to the statement's implicit
-- commit: the CALL completes only once the lead is durable, and an error at
-- commit is the CALL's error. After an implicit commit's error the client
-- library has already reported the statement a success, and the API would
-- answer 201 for a lead that is not there. The COMMIT refuses to run inside a
-- transaction block ("invalid transaction termination"), so the procedure
-- cannot quietly become part of a larger transaction either.
CREATE PROCEDURE handoff_intake_lead(
    p_tenant uuid, p_lead uuid, p_funnel uuid, p_external_id text, p_email text, p_name text, p_phone text,
    p_score float8, p_answers jsonb, p_attributes jsonb, p_status text, p_owner uuid, p_routing jsonb,
    p_sla_policy uuid, p_sla_state text, p_sla_started_at timestamptz, p_sla_due_at timestamptz, p_created_at timestamptz,
    p_timer_ids uuid[], p_timer_kinds text[], p_timer_steps int[], p_timer_due_at timestamptz[],
    p_load_owner uuid, p_load_slot smallint,
    p_event_ids uuid[], p_event_types text[], p_event_payloads text[],
    p_delivery_ids uuid[], p_delivery_events uuid[], p_delivery_channels uuid[]
)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('role', 'handoff_app', true), set_config('app.tenant_id', p_tenant::text, true),
            set_config('app.scope', '', true);
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

GRANT EXECUTE ON FUNCTION handoff_routing_state(uuid) TO handoff_app;
