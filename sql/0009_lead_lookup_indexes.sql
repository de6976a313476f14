-- GET /v1/leads?external_id= and ?email=: a CRM or support desk looks one
-- person's leads up; without these, each lookup reads all of the tenant's leads.
CREATE INDEX leads_by_external_id ON leads (tenant_id, external_id, id) WHERE external_id IS NOT NULL;
CREATE INDEX leads_by_email ON leads (tenant_id, lower(email), id) WHERE email IS NOT NULL;
