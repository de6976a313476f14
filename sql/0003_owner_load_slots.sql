-- An owner's open-lead count moves from one column on the owner into slots.
--
-- The count belongs in the lead's own transaction (a lead and its owner's load
-- commit together or not at all), but one counter row per owner is locked from
-- the increment through the commit's fsync, so every lead of a popular owner
-- queued behind the one before. Spread over 8 slots, concurrent leads of one
-- owner rarely touch the same row; readers add the slots up.
CREATE TABLE owner_load (
    tenant_id  uuid NOT NULL,
    owner_id   uuid NOT NULL,
    slot       smallint NOT NULL CHECK (slot BETWEEN 0 AND 7),
    -- Leads assigned minus leads answered or moved away, counted in this slot;
    -- only the sum over an owner's slots means anything.
    delta      integer NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, slot),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES owners (tenant_id, id) ON DELETE CASCADE
) WITH (fillfactor = 50);  -- room for HOT updates: every lead rewrites a slot

INSERT INTO owner_load (tenant_id, owner_id, slot, delta)
SELECT tenant_id, id, 0, open_leads FROM owners WHERE open_leads <> 0;

ALTER TABLE owners DROP COLUMN open_leads;

ALTER TABLE owner_load ENABLE ROW LEVEL SECURITY;
ALTER TABLE owner_load FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON owner_load USING (tenant_id = handoff_current_tenant() OR handoff_system_scope());
GRANT SELECT, INSERT, UPDATE, DELETE ON owner_load TO handoff_app;
