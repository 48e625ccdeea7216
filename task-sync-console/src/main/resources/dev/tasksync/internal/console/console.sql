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
-- written_xid is set by V15's trigger to the writing transaction's id: with steps_written_idx (task_id,
-- written_xid) this is a range scan of the rows written since, not a filter over every step of the task.
-- include: stepColumns
  AND s.written_xid >= CAST(:since AS xid8)
WHERE t.id = :task_id
ORDER BY s.id
