-- What the planner reads of a task to plan a run (Planner.load). Syntax: see SqlFile.

-- name: taskToPlan
-- The task (its columns on every row, read from the first), and each step's columns that a plan and a Step need, in
-- id order: one statement, so one snapshot. Not the stored inputs (a step watching 10,000 files has a megabyte of them,
-- read only to say why it changed), nor the lease and retry columns, and read by JDBC, not mapped into jOOQ records:
-- on a 10,000-step fan-out that mapping (every column of every row, the task's columns each time, their timestamps
-- parsed) was half of what the caller's thread did inside TaskSync.run before its first step started (JFR).
SELECT t.id AS task_id, t.name AS task_name, t.status AS task_status, t.local_path, t.created_at AS task_created_at
  , t.updated_at AS task_updated_at
  , s.id, s.title, s.status, s.settings, s.results, s.attempt, s.started_at, s.finished_at, s.created_at, s.updated_at
  , s.fingerprint
FROM ${tasks} t LEFT JOIN ${steps} s ON s.task_id = t.id
WHERE t.id = :task_id ORDER BY s.id
