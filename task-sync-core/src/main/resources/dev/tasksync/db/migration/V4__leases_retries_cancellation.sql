-- Many workers on one database: a claimed step carries its worker and a lease that a heartbeat
-- extends; a step whose lease expired is claimed again. Failed attempts may be retried later
-- (run_after); a running step can be asked to stop (cancel_requested).
ALTER TABLE steps ADD COLUMN lease_owner      TEXT;
ALTER TABLE steps ADD COLUMN lease_expires_at TIMESTAMPTZ;
ALTER TABLE steps ADD COLUMN run_after        TIMESTAMPTZ;
ALTER TABLE steps ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;

-- [jooq ignore start]
-- Workers claim across all tasks; only new and active steps are ever candidates.
CREATE INDEX steps_claimable_idx ON steps (id) WHERE status IN ('new', 'active');
-- [jooq ignore stop]
