-- Workers register themselves: who they are, where they run (host, Docker engine), which labels they
-- have, when they started and when they last said they were alive. A worker that stops cleanly sets
-- stopped_at; one that dies stops renewing expires_at (and its lease_owners session ends). A worker is
-- live while stopped_at is null, expires_at is ahead and its session (lease_owners) did not end.
-- labels: a JSON array of strings ("gpu", "region=eu"); facts: what claims compare a step's pins with
-- ({"docker_engine": "<engine ID>", "host": "<host name>"}).
CREATE TABLE workers (
    id            TEXT        NOT NULL,
    host          TEXT        NOT NULL,
    labels        JSONB       NOT NULL,
    docker_engine TEXT,
    facts         JSONB       NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    stopped_at    TIMESTAMPTZ
);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE workers ADD PRIMARY KEY (id);
-- [jooq ignore stop]

-- A task's default runs_on (a JSON array of labels) for its steps that name none. A table of its own:
-- the tasks table keeps exactly the specification's columns.
CREATE TABLE task_runs_on (
    task_id INTEGER NOT NULL PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    runs_on JSONB   NOT NULL
);

-- The file index is kept per host: two machines with different files at the same path never share a hash.
-- Rows from before have no host and are hashed again once.
ALTER TABLE file_index ADD COLUMN host TEXT NOT NULL DEFAULT '';
-- [jooq ignore start]
ALTER TABLE file_index DROP CONSTRAINT file_index_pkey;
ALTER TABLE file_index ADD CONSTRAINT file_index_pkey PRIMARY KEY (host, path);
-- [jooq ignore stop]
