-- GET /v1/leads?email=: 0009's index on lower(email) is never used under row
-- level security. lower() is not leakproof, so Postgres applies a condition
-- on it only after the tenant policy, row by row, and each lookup read all of
-- the tenant's leads. A stored column holds the lowered address; equality on
-- text is leakproof, so the lookup is an index scan again.
ALTER TABLE leads ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;
CREATE INDEX leads_by_email_lower ON leads (tenant_id, email_lower, id) WHERE email_lower IS NOT NULL;
DROP INDEX leads_by_email;
