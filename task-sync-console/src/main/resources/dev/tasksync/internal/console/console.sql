-- The console's statements, read by StepStates (SqlFile's format: see claims.sql in task-sync-core).

-- name: stepColumns
-- What a live task page shows of each step, and the oldest transaction still in progress at the read's snapshot
-- (where the next read starts: see StepStates). The LEFT JOIN keeps the task's row when no step matches.
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS next_since, t.status AS task_status,
       s.id, s.status, s.attempt, s.started_at, s.finished_at
FROM ${tasks} t LEFT JOIN ${steps} s ON s.task_id = t.id

-- name: allSteps
-- include: stepColumns
WHERE t.id = :task_id
ORDER BY s.id

-- name: stepsWrittenSince
-- age() compares the 32-bit ids across wraparound; a frozen row's age is the maximum, so it is left out.
-- include: stepColumns
  AND age(s.xmin) <= age(CAST(:since AS xid))
WHERE t.id = :task_id
ORDER BY s.id
