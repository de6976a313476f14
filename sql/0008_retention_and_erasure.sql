-- Retention, erasure and tenant deletion.
--
-- Erasure leaves an anonymous tombstone: the lead's row stays (reports and
-- usage count it), its personal data goes. E-mail is the one personal field
-- that was required, so it becomes nullable, and erased_at says why it is null.
ALTER TABLE leads ALTER COLUMN email DROP NOT NULL;
ALTER TABLE leads ADD COLUMN erased_at timestamptz;

-- How far each tenant's usage is rolled up into usage_daily: every lead and
-- delivery stamped before rolled_up_until (a UTC midnight) is counted there,
-- and the usage reads take those days from usage_daily and only the later
-- ones from the live rows. Retention prunes a delivered delivery only once
-- its day is rolled up, so billing for a closed day never changes. One row
-- per tenant, moved forward a day at a time by a compare-and-set, so any
-- number of workers can roll up side by side without counting a day twice.
CREATE TABLE usage_rollups (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    rolled_up_until  timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);
ALTER TABLE usage_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_rollups USING (tenant_id = handoff_current_tenant() OR handoff_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_rollups TO handoff_app;

-- The operator deletes a suspended tenant's row last, after all of its data
-- (in the system scope; a tenant's own transactions see only their own row).
GRANT DELETE ON tenants TO handoff_app;
