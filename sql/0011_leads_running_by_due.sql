-- GET /v1/leads?sla_state=running&sort=due_at: the board, running clocks
-- soonest due first, which every open console refreshes every couple of
-- seconds. Only running clocks are in it, so it stays as small as the clocks
-- that run however many leads a tenant has had, and a page reads it in order
-- from the cursor's (sla_due_at, id) on.
CREATE INDEX leads_running_by_due ON leads (tenant_id, sla_due_at, id) WHERE sla_state = 'running';
