-- Channel tests and a rotation overlap for webhook signing secrets (#19).
--
-- 1. An event may be a `ping`: a test a tenant sends to one channel now
--    (POST /v1/channels/{id}/test), like GitHub's ping. It belongs to no lead,
--    no channel subscribes to it (the API queues its one delivery itself), and
--    usage does not bill its delivery.
--
--    NOT VALID: the new list only adds 'ping' to the old one, which every
--    stored row already satisfies, and validating would read the whole event
--    log while this migration holds the table's exclusive lock, stopping
--    intake for as long. New and changed rows are checked all the same.
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD CONSTRAINT events_type_check
    CHECK (type IN ('lead.assigned', 'lead.unassigned', 'sla.warning', 'sla.breached', 'lead.escalated',
                    'lead.responded', 'ping')) NOT VALID;
ALTER TABLE events ADD CONSTRAINT events_ping_has_no_lead CHECK (type <> 'ping' OR lead_id IS NULL) NOT VALID;

-- 2. After POST /v1/channels/{id}/rotate-secret the replaced secret keeps
--    signing beside the new one until previous_secret_expires_at (24 hours),
--    so receivers can move to the new secret without refusing a delivery.
--    It is sealed like `secret` (HANDOFF_SECRET_KEY, `sealed:v1:`; the API
--    seals it anew when it moves it here), is never part of a channel as the
--    API reads it, and is erased by the next rotation or, once expired, by
--    the retention worker. The two columns are set and cleared together.
ALTER TABLE channels
    ADD COLUMN previous_secret text,
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD CONSTRAINT channels_previous_secret_sealed
        CHECK (previous_secret IS NULL OR starts_with(previous_secret, 'sealed:v1:')),
    ADD CONSTRAINT channels_previous_secret_window
        CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));
