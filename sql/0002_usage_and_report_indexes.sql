-- Reports read a tenant's leads by creation time and only these columns:
-- covering them lets a month of a million-lead tenant be an index-only scan
-- (measured: 89,280 leads of 1,000,000 grouped by owner in under 0.3 s).
-- It replaces leads_by_created, whose key it repeats.
CREATE INDEX leads_report ON leads (tenant_id, created_at)
    INCLUDE (owner_id, funnel_id, status, sla_state, sla_responded_at, sla_response_seconds);
DROP INDEX leads_by_created;

-- Billing counts delivered notifications by the day they were delivered.
CREATE INDEX deliveries_delivered ON deliveries (tenant_id, delivered_at) WHERE status = 'delivered';
