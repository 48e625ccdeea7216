-- Settling a task (TaskSettler): its status derived from its steps' and set, in one statement. Syntax: see SqlFile.
-- The rule (also StatusTransitions.taskStatusOf): active while a step runs or some wait beside finished ones;
-- failed when one failed or was skipped; cancelled when one was cancelled; completed when all completed; new
-- otherwise. Flag if_done: change nothing while a step is new or active.

-- name: settleStatus
-- include: settled
SELECT status FROM x

-- name: settleAndRead
-- The settled status with the steps' rows (none while a step is unfinished).
-- include: settled
SELECT x.status, x.unfinished, s.id, s.title, s.status AS step_status, s.results::text AS results,
  s.started_at, s.finished_at FROM x LEFT JOIN ${steps} s ON x.unfinished IS NOT TRUE AND s.task_id = :task_id
  ORDER BY s.id

-- name: mayBeDone
-- Of :task_ids, the tasks none of whose steps is new or active (one probe per task, by steps_unfinished_idx): a
-- worker asks once per recorded batch, and locks and settles only these (WorkerClaims.committed).
SELECT t.id FROM unnest(:task_ids::int4[]) AS t(id)
  WHERE NOT EXISTS (SELECT 1 FROM ${steps} s WHERE s.task_id = t.id AND s.status IN ('new', 'active'))

-- name: settled
-- The CTEs x (the status the steps give, and whether some is unfinished) and u (setting it).
WITH x AS (SELECT CASE
  WHEN count(*) = 0 THEN 'new'
  WHEN bool_or(status = 'active') OR (bool_or(status = 'new') AND bool_or(status <> 'new')) THEN 'active'
  WHEN bool_or(status IN ('failed', 'skipped')) THEN 'failed'
  WHEN bool_or(status = 'cancelled') THEN 'cancelled'
  WHEN bool_and(status = 'completed') THEN 'completed'
  ELSE 'new' END AS status,
  bool_or(status IN ('new', 'active')) AS unfinished
  FROM ${steps} WHERE task_id = :task_id),
u AS (UPDATE ${tasks} SET status = x.status FROM x WHERE ${tasks}.id = :task_id AND ${tasks}.status <> x.status
  AND x.unfinished IS NOT TRUE -- if: if_done
  )
