-- The engine's own state, beside the seed's columns.
ALTER TABLE steps ADD COLUMN attempt     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE steps ADD COLUMN started_at  TIMESTAMPTZ;
ALTER TABLE steps ADD COLUMN finished_at TIMESTAMPTZ;
ALTER TABLE steps ADD COLUMN fingerprint TEXT;
-- What the fingerprint was made of (settings hash, per-file SHA-256, upstream fingerprints),
-- kept so a plan can say which input changed.
ALTER TABLE steps ADD COLUMN inputs      JSONB;

-- depends_on, derived from settings on every write, so claims can join on it.
-- Deleting a step that others still depend on is refused (NO ACTION); deleting
-- the whole task cascades through both columns in one statement.
CREATE TABLE step_dependencies (
    step_id       INTEGER NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    depends_on_id INTEGER NOT NULL REFERENCES steps (id),
    PRIMARY KEY (step_id, depends_on_id)
);
CREATE INDEX step_dependencies_depends_on_idx ON step_dependencies (depends_on_id);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
CREATE INDEX steps_runnable_idx ON steps (task_id, status);
-- [jooq ignore stop]

-- One row per attempt to execute a step.
CREATE TABLE step_runs (
    id          BIGSERIAL PRIMARY KEY,
    step_id     INTEGER     NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    attempt     INTEGER     NOT NULL,
    worker_id   TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    outcome     TEXT,
    error       TEXT,
    log_tail    TEXT
);
CREATE INDEX step_runs_step_idx ON step_runs (step_id, attempt);
