-- The dispatcher claims due deliveries tenant by tenant (each tenant's oldest
-- first, one turn per tenant at a time), so one tenant's burst never queues
-- another tenant's alerts behind it. It probes this index once per tenant;
-- it replaces deliveries_due, whose one cross-tenant order it no longer reads.
CREATE INDEX deliveries_due_per_tenant ON deliveries (tenant_id, next_attempt_at) WHERE status = 'pending';
DROP INDEX deliveries_due;
