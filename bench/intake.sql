-- pgbench script: the SQL one qualified territory lead costs the API, as the
-- ceiling for bench/intake. One execution of this script = one lead.
--
-- bench/intake runs it with `pgbench -M prepared` (each statement prepared once
-- per connection, then only bound and executed, as the service's prepared
-- statements are: RoutingStateStatement, InsertLeadStatement) and these -D
-- variables taken from the configuration and the smoke lead it created:
--   :tenant    the tenant id                   :funnel   the funnel id
--   :policy    the SLA policy id
--   :owners    the 16 owner ids, '{…}'         :channel1 / :channel2  the channels
--   :routing   the smoke lead's `routing` JSON :payload  its lead.assigned event payload
--   :attributes / :answers                     the lead's JSON, as the API stores it
--   :read_counts  1 when the API reads the routing state first (CAPACITY), else 0
-- Each statement is sent as the service sends it: on its own, outside any
-- transaction block, each scoping itself (sql/0005_self_scoped_intake.sql).

\set idx random(1, 16)

-- The API key is checked against the in-process key cache (APIKeyCache), so a
-- warm request costs no key lookup. LeadStore.intake routes the lead first and
-- reads the routing state only when the decision depends on open-lead counts.
-- In the default configuration every territory has one owner and nobody has a
-- capacity, so it does not; with CAPACITY (each owner's max_open_leads) it
-- does, and bench/intake sets :read_counts to 1:
\if :read_counts
-- LeadStore.routingState: owners' open leads (summed over their load slots)
-- and the teams' turns, no locks.
SELECT is_team, id, value FROM handoff_routing_state(:tenant);
\endif
-- LeadStore.insert: lead, owner load (one of 8 slots), 2 timers, 1 event,
-- 2 deliveries in one statement that commits. The app makes its UUIDv7 ids
-- client-side and binds them. pgbench makes the lead's, timers' and
-- deliveries' in place, and the event's from a random number, as CALL's
-- arguments cannot share a subquery and the deliveries name the event.
\set slot random(0, 7)
\set event random(1, 281474976710655)
CALL handoff_intake_lead(
    :tenant, gen_random_uuid(), :funnel, NULL, 'lead' || :idx::int || '@example.com', NULL, NULL, 90,
    :answers, :attributes, 'assigned', (:owners::uuid[])[:idx::int], :routing,
    :policy, 'running', now(), now() + interval '300 seconds', now(),
    ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY['warning', 'breach'], ARRAY[-1, -1],
    ARRAY[now() + interval '240 seconds', now() + interval '300 seconds'],
    (:owners::uuid[])[:idx::int], :slot::smallint,
    ARRAY[('00000000-0000-7000-8000-' || lpad(to_hex(:event::bigint), 12, '0'))::uuid], ARRAY['lead.assigned'], ARRAY[:payload::text],
    ARRAY[gen_random_uuid(), gen_random_uuid()],
    ARRAY[('00000000-0000-7000-8000-' || lpad(to_hex(:event::bigint), 12, '0'))::uuid,
          ('00000000-0000-7000-8000-' || lpad(to_hex(:event::bigint), 12, '0'))::uuid],
    ARRAY[:channel1, :channel2]::uuid[]
);
