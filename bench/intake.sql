-- pgbench script: the SQL one qualified territory lead costs the API, as the
-- ceiling for bench/intake. One execution of this script = one lead.
--
-- bench/intake runs it with `pgbench -M prepared` (each statement prepared once
-- per connection, then only bound and executed, as the service's prepared
-- statements are: ScopeStatement, RoutingStateStatement, InsertLeadStatement) and these -D
-- variables taken from the configuration and the smoke lead it created:
--   :prefix    the admin key's prefix          :tenant   the tenant id
--   :funnel    the funnel id                   :policy   the SLA policy id
--   :owners    the 16 owner ids, '{…}'         :channel1 / :channel2  the channels
--   :routing   the smoke lead's `routing` JSON :payload  its lead.assigned event payload
--   :attributes / :answers                     the lead's JSON, as the API stores it
-- Each transaction is sent exactly as the service sends it: BEGIN, the
-- set_config line of Database.tenant / Database.system, the statement, COMMIT.

\set idx random(1, 16)

-- The API key is checked against the in-process key cache (APIKeyCache), so a
-- warm request costs no key lookup. LeadStore.intake reads the routing state,
-- plans and writes in ONE durable tenant transaction for a lead that needs no
-- round-robin turn (this territory configuration):
BEGIN;
SELECT set_config('role', 'handoff_app', true), set_config('app.tenant_id', :tenant, true),
       set_config('app.scope', '', true), set_config('synchronous_commit', coalesce(NULL::text, current_setting('synchronous_commit')), true);
-- LeadStore.routingState: owners' open leads (summed over their load slots)
-- and the teams' turns, no locks.
SELECT false, o.id, (SELECT greatest(coalesce(sum(l.delta), 0), 0) FROM owner_load l WHERE l.tenant_id = o.tenant_id AND l.owner_id = o.id)::bigint
FROM owners o WHERE o.tenant_id = :tenant
UNION ALL SELECT true, team_id, turns FROM team_rotation WHERE tenant_id = :tenant;
-- LeadStore.insert: lead, owner load (one of 8 slots), 2 timers, 1 event,
-- 2 deliveries in one statement. The app makes its UUIDv7 ids client-side and binds them; here the
-- `ids` CTE makes the ids the statement shares, and the others are made in place.
WITH ids AS (
    SELECT gen_random_uuid() AS lead_id, gen_random_uuid() AS event_id, (:owners::uuid[])[:idx::int] AS owner_id, now() AS at
), lead AS (
    INSERT INTO leads (tenant_id, id, funnel_id, external_id, email, name, phone, score, answers, attributes,
                       status, owner_id, routing, sla_policy_id, sla_state, sla_started_at, sla_due_at, created_at, updated_at)
    SELECT :tenant::uuid, ids.lead_id, :funnel::uuid, NULL, 'lead' || :idx::text || '@example.com', NULL, NULL,
           90, :answers::jsonb, :attributes::jsonb,
           'assigned', ids.owner_id, :routing::jsonb, :policy::uuid, 'running',
           ids.at, ids.at + interval '300 seconds', ids.at, ids.at
    FROM ids
), timers AS (
    INSERT INTO timers (tenant_id, id, lead_id, kind, step, due_at)
    SELECT :tenant::uuid, t.id, (SELECT lead_id FROM ids), t.kind, NULLIF(t.step, -1), t.due_at
    FROM unnest(ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY['warning', 'breach']::text[],
                ARRAY[-1, -1]::int[], ARRAY[now() + interval '240 seconds', now() + interval '300 seconds']) AS t(id, kind, step, due_at)
), load AS (
    INSERT INTO owner_load AS l (tenant_id, owner_id, slot, delta)
    SELECT :tenant::uuid, ids.owner_id, floor(random() * 8)::smallint, 1 FROM ids
    ON CONFLICT (tenant_id, owner_id, slot) DO UPDATE SET delta = l.delta + 1
), events AS (
    INSERT INTO events (tenant_id, id, type, lead_id, payload, created_at)
    SELECT :tenant::uuid, e.id, e.type, (SELECT lead_id FROM ids), e.payload::jsonb, (SELECT at FROM ids)
    FROM unnest(ARRAY[(SELECT event_id FROM ids)], ARRAY['lead.assigned']::text[], ARRAY[:payload::text]) AS e(id, type, payload)
)
INSERT INTO deliveries (tenant_id, id, event_id, channel_id, next_attempt_at, created_at, updated_at)
SELECT :tenant::uuid, d.id, d.event_id, d.channel_id, (SELECT at FROM ids), (SELECT at FROM ids), (SELECT at FROM ids)
FROM unnest(ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY[(SELECT event_id FROM ids), (SELECT event_id FROM ids)],
            ARRAY[:channel1, :channel2]::uuid[]) AS d(id, event_id, channel_id);
COMMIT;
