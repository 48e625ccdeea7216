-- Which task local_paths exist where each worker runs (acr16): a worker fills its rows when it starts and as
-- tasks with new paths appear, and claims a task's steps only when its row for the task's local_path says present.
-- Keyed by worker, not host: two workers on one host may see different files (containers, mount namespaces).
-- path: the task's local_path as stored ('' for none: the worker's working directory, which exists).
CREATE TABLE worker_paths (
    worker_id  TEXT        NOT NULL,
    path       TEXT        NOT NULL,
    present    BOOLEAN     NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL
);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE worker_paths ADD PRIMARY KEY (worker_id, path);
-- [jooq ignore stop]
