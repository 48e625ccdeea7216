-- The statements of a submit (Submitter). Syntax: see SqlFile.
-- Every UPDATE of ${steps} here sets written_xid and updated_at itself (V17: the row trigger then does not run).

-- name: makeRunnable
-- Locks the task (as settling its status does, so the two do not interleave), makes the planned steps runnable
-- with the fingerprints and inputs they will run with, marks the task active and wakes the workers (naming the steps
-- that wait for none of the others: they claim those by id). Only steps
-- still as the plan saw them (same status, same attempt) are reset: a step that some other run claimed or
-- finished since this one loaded the task was decided on stale state, and resetting a step completed meanwhile
-- would execute it twice.
WITH lk AS MATERIALIZED (SELECT id FROM ${tasks} WHERE id = :task_id FOR UPDATE),
up AS (UPDATE ${steps} s SET status = 'new', fingerprint = v.fingerprint, inputs = v.inputs::jsonb,
  run_after = NULL, cancel_requested = false, written_xid = pg_current_xact_id(), updated_at = now()
  FROM unnest(:ids::int4[], :fingerprints::text[], :inputs::text[], :seen_statuses::text[], :seen_attempts::int4[])
  AS v(id, fingerprint, inputs, seen_status, seen_attempt)
  WHERE s.id = v.id AND s.status <> 'active' AND s.status = v.seen_status AND s.attempt = v.seen_attempt
  AND EXISTS (SELECT 1 FROM lk) RETURNING s.id),
-- Nothing reset (all of it was taken or done meanwhile): the task's status is left to its runs.
task AS (UPDATE ${tasks} SET status = 'active' WHERE id = :task_id AND status <> 'active' AND EXISTS (SELECT 1 FROM up))
-- The payload (Submitter.wakeUp) names the steps made runnable that wait for none of the others, "ID-ID,ID,… "
SELECT (SELECT count(*) FROM lk) AS found, pg_notify(:channel, :payload)

-- name: markUpToDate
-- Results say a step was up to date; rows that say so already are not written again, so a run that changes
-- nothing writes (almost) nothing.
UPDATE ${steps} SET results = coalesce(results, '{}'::jsonb) || '{"up_to_date": true}'::jsonb, written_xid = pg_current_xact_id(), updated_at = now()
WHERE id = ANY(:ids::int4[]) AND coalesce(results -> 'up_to_date', 'false'::jsonb) <> 'true'::jsonb

-- name: analyze
-- Refreshes the planner's statistics of the tables claims read.
ANALYZE ${steps}, ${step_dependencies}

-- name: statisticsCover
-- How many rows of :table the planner's statistics know of (-1 before the first ANALYZE).
SELECT reltuples FROM pg_class WHERE oid = :table::regclass
