-- A lead whose timers cannot be fired (its row does not decode, its tenant's
-- configuration does not load, a write it needs is refused) must not hold up
-- every other tenant's timers. The engine counts each failed try on the
-- lead's due timers and, after a few, quarantines them (failed_at): they stay
-- unfired and visible with their error, and the engine no longer picks them.
ALTER TABLE timers
    ADD COLUMN failures    integer NOT NULL DEFAULT 0,
    ADD COLUMN failed_at   timestamptz,
    ADD COLUMN last_error  text;

-- The engine's one question, without the quarantined timers: a quarantined
-- timer that is overdue would otherwise always be "due next".
CREATE INDEX timers_pending_live ON timers (due_at)
    WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
DROP INDEX timers_pending;

-- A fresh token on every claim: the attempt's outcome (and a lease renewal)
-- is written only while the row still carries the claim's token. The attempt
-- counter cannot fence, as a tenant's retry sets it back to 0.
ALTER TABLE deliveries ADD COLUMN lease_id uuid;
