-- What a run reports besides its steps' rows (RunReport). Syntax: see SqlFile.

-- name: executedElsewhere
-- Of steps :ids, the last attempt after attempt :seen (one per step) that executed to an end (:outcomes).
SELECT DISTINCT ON (r.step_id) r.step_id, r.worker_id, r.started_at, r.finished_at FROM ${step_runs} r
  JOIN unnest(:ids::int4[], :seen::int4[]) AS v(id, seen) ON r.step_id = v.id AND r.attempt > v.seen
  WHERE r.outcome = ANY(:outcomes::text[]) ORDER BY r.step_id, r.attempt DESC

-- name: pending
-- What is left of a task: how many steps are active, when the next retry is due, and the first few active
-- steps as one JSON array, so that this stays one small query.
SELECT count(*) FILTER (WHERE status = 'active') AS active,
  min(run_after) FILTER (WHERE status = 'new' AND run_after > current_timestamp) AS next_retry,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'title', a.title, 'owner', a.lease_owner,
    'attempt', a.attempt, 'until', a.lease_expires_at) ORDER BY a.id), '[]'::jsonb)::text
    FROM (SELECT * FROM ${steps} WHERE task_id = :task_id AND status = 'active' ORDER BY id LIMIT 20) a) AS held
FROM ${steps} WHERE task_id = :task_id
