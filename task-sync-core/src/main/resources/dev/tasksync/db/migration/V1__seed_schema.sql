-- The seed's two tables, with the seed's column names and types.
CREATE TABLE tasks (
    id         SERIAL PRIMARY KEY,
    name       TEXT        NOT NULL,
    status     TEXT        NOT NULL DEFAULT 'new',
    local_path TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE tasks ADD CONSTRAINT tasks_name_key UNIQUE (name);
-- [jooq ignore stop]

CREATE TABLE steps (
    id         SERIAL PRIMARY KEY,
    task_id    INTEGER     NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    title      TEXT        NOT NULL,
    status     TEXT        NOT NULL DEFAULT 'new',
    settings   JSONB       NOT NULL,
    results    JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX steps_task_id_idx ON steps (task_id);

-- [jooq ignore start]
-- updated_at moves on every update, whoever writes the row.
CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER tasks_touch_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER steps_touch_updated_at BEFORE UPDATE ON steps
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
-- [jooq ignore stop]
