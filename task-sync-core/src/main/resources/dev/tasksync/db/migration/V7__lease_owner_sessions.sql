-- Who holds leases: each lease owner (an in-process run's engine, a worker) records the database
-- session it keeps open while it lives. A step whose owner's session ended while the server kept
-- running (its process was killed) is taken over at once instead of when its lease expires.
-- takeover_millis: how long before its lease expires such a step may be taken over, i.e. the lease
-- minus two heartbeats, so that an owner whose session alone was lost has stopped its steps first.
CREATE TABLE lease_owners (
    owner           TEXT        NOT NULL,
    backend_pid     INTEGER     NOT NULL,
    backend_start   TIMESTAMPTZ NOT NULL,
    takeover_millis BIGINT      NOT NULL,
    registered_at   TIMESTAMPTZ NOT NULL
);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE lease_owners ADD PRIMARY KEY (owner);
-- [jooq ignore stop]
