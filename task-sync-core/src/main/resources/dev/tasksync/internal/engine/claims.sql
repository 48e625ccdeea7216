-- The statements that hand steps to workers (ClaimStatements). Syntax: see SqlFile.
-- ${table}: a table in the engine's schema; :name: a parameter; "-- if: flag": a line kept only with that flag.
-- Flags of lockAndClaim: ids (scope: only :candidates) / task (scope: :task_id) / any (every task);
-- completed_id (this statement completes :completed_id), completed_in_done (it completes those of CTE done,
-- listed in CTE v), completes (either); placed (a worker with :labels and :facts).
-- Every UPDATE of ${steps} here sets written_xid and updated_at itself (V17: the row trigger then does not run).

-- name: claim
WITH
-- include: lockAndClaim
SELECT id, task_id, attempt, settings::text AS settings, inputs::text AS inputs, results::text AS results, old_owner
FROM claimed ORDER BY id

-- name: recordAndClaim
-- One outcome, fenced by attempt and owner; with "claiming", claims the steps it released in the same statement.
WITH done AS (UPDATE ${steps} SET status = :status, results = :results::jsonb
  , started_at = started_at + :late_micros * interval '1 microsecond'
  , finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false
  , written_xid = pg_current_xact_id(), updated_at = now()
  , run_after = now() + :retry_after_millis * interval '1 millisecond' -- if: retry
  , fingerprint = NULL -- if: clear_fingerprint
  WHERE id = :step_id AND attempt = :attempt AND lease_owner = :worker_id AND status = 'active' RETURNING id),
run AS (UPDATE ${step_runs} SET finished_at = now()
  , started_at = started_at + :late_micros * interval '1 microsecond'
  , outcome = CASE WHEN EXISTS (SELECT 1 FROM done) THEN :run_outcome ELSE 'abandoned' END
  , error = CASE WHEN EXISTS (SELECT 1 FROM done) THEN :error ELSE 'lease lost before the outcome was recorded' END
  , log_tail = :log_tail
  WHERE step_id = :step_id AND attempt = :attempt AND finished_at IS NULL)
, -- if: claiming
-- include: lockAndClaim -- if: claiming
SELECT d.recorded
  , c.id, c.task_id, c.attempt, c.settings::text AS settings, c.inputs::text AS inputs, c.results::text AS results, c.old_owner -- if: claiming
FROM (SELECT (SELECT count(*) FROM done) AS recorded) d
LEFT JOIN claimed c ON true ORDER BY c.id -- if: claiming

-- name: recordCompletions
-- Several completions of one task (group commit), and claims for them.
WITH v AS (SELECT * FROM unnest(:ids, :attempts, :results::text[], :log_tails::text[], :late_micros::int8[]) AS v(id, attempt, results, log_tail, late)),
-- Rows are locked in id order, as heartbeats lock them: two statements that each lock several of the
-- same rows in different orders can deadlock (and wait a second for the detector first).
-- lk carries v's values and, read from the row it locked (the latest version), whether the step is still this
-- owner's attempt; done then updates exactly lk's rows by primary key. done has no filter on steps of its own:
-- with one (lease_owner, status), the planner's guess of 1 row (statistics from before the run) made it drive
-- done from a scan of steps with lk inside a nested loop, quadratic in the batch (fan16, peers).
lk AS MATERIALIZED (SELECT s.id, v.results, v.late
  , s.attempt = v.attempt AND s.lease_owner = :worker_id AND s.status = 'active' AS ours
  FROM v JOIN ${steps} s ON s.id = v.id ORDER BY s.id FOR UPDATE OF s),
done AS (UPDATE ${steps} s SET status = 'completed', results = lk.results::jsonb
  , started_at = s.started_at + lk.late * interval '1 microsecond'
  , finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, cancel_requested = false
  , written_xid = pg_current_xact_id(), updated_at = now()
  FROM lk WHERE s.id = lk.id AND lk.ours RETURNING s.id),
-- peers: each completion's open attempt, looked up by (step_id, attempt) one by one (OFFSET 0 keeps the lateral
-- lookup from being flattened into a join). Joined instead, "finished_at IS NULL" (almost no row, says the last
-- ANALYZE) made the planner scan all of step_runs once per completion: per batch, O(table × batch).
open_runs AS MATERIALIZED (SELECT o.id, v.id AS step_id, v.late, v.log_tail FROM v CROSS JOIN LATERAL
  (SELECT r.id FROM ${step_runs} r WHERE r.step_id = v.id AND r.attempt = v.attempt AND r.finished_at IS NULL OFFSET 0) o),
run AS (UPDATE ${step_runs} r SET finished_at = now()
  , started_at = r.started_at + open_runs.late * interval '1 microsecond'
  , outcome = CASE WHEN open_runs.step_id IN (SELECT id FROM done) THEN 'completed' ELSE 'abandoned' END
  , error = CASE WHEN open_runs.step_id IN (SELECT id FROM done) THEN NULL ELSE 'lease lost before the outcome was recorded' END
  , log_tail = open_runs.log_tail FROM open_runs WHERE r.id = open_runs.id
  -- And found by primary key, as one array. Joined on r.id alone, a plan made while step_runs was small (pgjdbc
  -- prepares the statement on its fifth run, early in a run; the plan is kept) hashed open_runs and scanned all of
  -- step_runs per batch: 28 rows per batch at the start of a 10,000-step fan-out, 10,000 at its end (782,000 in all).
  AND r.id = ANY(ARRAY(SELECT id FROM open_runs))),
-- include: lockAndClaim
-- The steps recorded go once, on the first row; repeated on every claimed row, a batch of n outcomes that
-- claimed m steps sent and decoded n × m ids (a sixth of the step threads' allocations on a 10,000-step fan-out).
SELECT CASE WHEN row_number() OVER (ORDER BY c.id) = 1 THEN d.recorded END AS recorded
  , c.id, c.task_id, c.attempt, c.settings::text AS settings, c.inputs::text AS inputs, c.results::text AS results, c.old_owner
FROM (SELECT ARRAY(SELECT id FROM done) AS recorded) d LEFT JOIN claimed c ON true ORDER BY c.id

-- name: heartbeat
-- Extends the leases this worker still holds, locking them in id order (as recordCompletions does).
WITH lk AS MATERIALIZED (SELECT id FROM ${steps} WHERE id = ANY(:ids) AND lease_owner = :worker_id AND status = 'active'
  -- Once this owner's session is gone, others may take its steps over: it renews none, and stops them.
  AND NOT EXISTS (SELECT 1 FROM ${lease_owners} o WHERE o.owner = :worker_id AND
-- include: sessionGone
  )
  ORDER BY id FOR UPDATE)
UPDATE ${steps} s SET lease_expires_at = now() + :lease_millis * interval '1 millisecond'
  , written_xid = pg_current_xact_id(), updated_at = now()
FROM lk WHERE s.id = lk.id RETURNING s.id, s.attempt, s.cancel_requested

-- name: lockAndClaim
-- The CTEs locked and claimed: lock runnable steps of the scope, mark them active under this worker's lease,
-- close an attempt left open by a worker whose lease expired, and open this attempt. Claims lock their rows
-- first (FOR UPDATE SKIP LOCKED in a materialized CTE) and update by id: a locking subquery inside the UPDATE's
-- own WHERE may be re-evaluated when a row changes under it, and claim more rows than it locked.
-- Owners whose session ended (their process died), computed once, and only when some step's lease is not
-- expired: their steps are taken over without waiting for the lease (see LeaseOwners).
gone AS MATERIALIZED (SELECT o.owner, o.takeover_millis FROM ${lease_owners} o WHERE o.owner <> :worker_id AND -- if: !ids
-- include: sessionGone -- if: !ids
  ), -- if: !ids
locked AS MATERIALIZED (SELECT c.id, c.lease_owner AS old_owner, c.lease_expires_at AS old_expiry FROM ${steps} c WHERE
  c.id = ANY(:candidates) AND -- if: ids
  c.task_id = :task_id AND (( -- if: task
  c.status IN ('new', 'active') AND (( -- if: any
-- include: runnable
  ) OR (c.status = 'active' AND (c.lease_expires_at < now() OR EXISTS (SELECT 1 FROM gone g -- if: !ids
  WHERE g.owner = c.lease_owner AND c.lease_expires_at < now() + g.takeover_millis * interval '1 millisecond')))) -- if: !ids
  AND EXISTS (SELECT 1 FROM done) -- if: completes
  -- Never the steps this statement completes (one whose lease just expired would otherwise look
  -- abandoned): a row updated twice in one statement keeps only one of the updates.
  AND c.id <> :completed_id -- if: completed_id
  AND c.id NOT IN (SELECT id FROM v) -- if: completed_in_done
-- include: placed -- if: placed
  ORDER BY c.id LIMIT :limit FOR UPDATE OF c SKIP LOCKED),
claimed AS (UPDATE ${steps} s SET status = 'active', attempt = s.attempt + 1
  , started_at = now(), finished_at = NULL, lease_owner = :worker_id
  , lease_expires_at = now() + :lease_millis * interval '1 millisecond'
  , written_xid = pg_current_xact_id(), updated_at = now()
  -- old_owner: for the takeover metric
  -- Inputs only when they list files (all an execution reads of them: StepExecution); sent and parsed for every
  -- claimed step, they were most of the JSON text a 10,000-step fan-out's claims decoded
  FROM locked WHERE s.id = locked.id RETURNING s.id, s.task_id, s.attempt, s.settings
  , CASE WHEN s.inputs -> 'files' <> '{}'::jsonb THEN s.inputs END AS inputs, s.results, locked.old_owner),
-- An attempt still open here belonged to a worker whose lease expired. Only the previous attempt can be open
-- (each claim closes the one before), and naming it keeps this an index lookup however long the history grows.
abandoned AS (UPDATE ${step_runs} r SET finished_at = now(), outcome = 'abandoned'
  , error = CASE WHEN p.old_expiry IS NULL OR p.old_expiry < now() THEN 'lease expired; claimed again by ' || :worker_id
  ELSE 'worker ' || p.old_owner || ' is gone (its database session ended); claimed again by ' || :worker_id END
  -- peers: looked up one by one, as open_runs in recordCompletions (a join scanned all of step_runs per claim)
  FROM (SELECT o.id, locked.old_owner, locked.old_expiry FROM claimed JOIN locked ON locked.id = claimed.id CROSS JOIN LATERAL
  (SELECT r.id FROM ${step_runs} r WHERE r.step_id = claimed.id AND r.attempt = claimed.attempt - 1 AND r.finished_at IS NULL
  OFFSET 0) o WHERE claimed.attempt > 1) p WHERE r.id = p.id),
opened AS (INSERT INTO ${step_runs} (step_id, attempt, worker_id, started_at)
  SELECT id, attempt, :worker_id, now() FROM claimed)

-- name: runnable
-- New, submitted, due, and every dependency completed (or completed by this very statement).
-- s20 (rows 6c, 6e): each candidate's upstream steps are looked up by id, one by one (OFFSET 0 keeps the lateral
-- lookup from being flattened into a join, and the whole check from being pulled up into an anti join, as in placed).
-- Joined, the planner (statistics from before the run, guessing few rows) could merge d with steps read from the
-- lowest id, every earlier task's rows once per candidate: on a table of many earlier tasks, claims of 10-60 s.
c.status = 'new' AND c.inputs IS NOT NULL AND (c.run_after IS NULL OR c.run_after <= now())
  AND NOT EXISTS (SELECT 1 FROM ${step_dependencies} d CROSS JOIN LATERAL
  (SELECT 1 FROM ${steps} u WHERE u.id = d.depends_on_id AND u.status <> 'completed' OFFSET 0) u
  WHERE d.step_id = c.id
  AND d.depends_on_id <> :completed_id -- if: completed_id
  AND d.depends_on_id NOT IN (SELECT id FROM done) -- if: completed_in_done
  OFFSET 0)

-- name: placed
-- across16: a worker claims step c only when it has every label the step needs (its own runs_on, else its
-- task's, else none; see Placement.neededLabels) and every upstream step whose results pin its output
-- ("pinned": {"docker_engine": ID}) is pinned to facts it has, and (for a step taken over) completed. A step
-- this statement completes is this worker's own output, so it pins nothing here (its old results, which this
-- statement still sees, may name another engine). An upstream step not completed (being made again
-- elsewhere) holds back a step taken over, too. And (acr16) only when the worker found its task's local_path
-- on its machine (WorkerPaths).
  AND EXISTS (SELECT 1 FROM ${tasks} pt JOIN ${worker_paths} wp ON wp.path = coalesce(pt.local_path, '') WHERE pt.id = c.task_id AND wp.worker_id = :worker_id AND wp.present)
  AND :labels::jsonb @>
-- include: neededLabels
  -- s20: and each upstream step looked up by id (OFFSET 0, as in runnable): joined, it could be merged with steps
  -- read from the lowest id once per candidate.
  AND NOT EXISTS (SELECT 1 FROM ${step_dependencies} pd CROSS JOIN LATERAL
  (SELECT 1 FROM ${steps} pu WHERE pu.id = pd.depends_on_id AND (pu.status <> 'completed' OR (pu.results -> 'pinned' IS NOT NULL
  AND NOT (:facts::jsonb @> (pu.results -> 'pinned')))) OFFSET 0) pu
  WHERE pd.step_id = c.id
  AND pd.depends_on_id <> :completed_id -- if: completed_id
  AND pd.depends_on_id NOT IN (SELECT id FROM v) -- if: completed_in_done
  -- s15 (row 6d): OFFSET 0 keeps this a lookup by c.id per candidate. Pulled up into an anti join, with the planner's
  -- guess of one candidate (statistics from before the run), it read all of step_dependencies once per candidate:
  -- 40-70 ms per claim of a worker on a 2,000-step task, nine tenths of the worker's recording time.
  OFFSET 0)

-- name: sessionGone
-- Inlined (LeaseOwners.sessionGone, and the statements above): true when the lease_owners row o names a session
-- that ended while this server ran. Sessions from before a server restart prove nothing (every session ended then,
-- and their owners may live on and reconnect). A session whose start time the role may not see counts as alive.
o.backend_start >= pg_postmaster_start_time() AND NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(o.backend_pid) a
  WHERE a.backend_start IS NULL OR a.backend_start = o.backend_start)

-- name: neededLabels
-- Inlined (Placement.neededLabels, and placed above): the labels step c needs, a JSON array: its own runs_on, else
-- its task's, else none.
COALESCE(jsonb_path_query_first(c.settings, '$.*.runs_on'), (SELECT t.runs_on FROM ${task_runs_on} t WHERE t.task_id = c.task_id), '[]'::jsonb)

-- name: wakeWorkers
-- Sent after a worker's outcome(s), in their round trip and implicit transaction (ClaimStatements.wakeWorkers),
-- so it sees what they recorded and claimed: wakes the other workers once when one of :ids (the outcomes' direct
-- dependents) is runnable and still new, i.e. the outcomes released it and this worker did not claim it with them.
-- A dependent claimed in the same statement is active; one still waiting for another step is not runnable: neither
-- wakes anyone (every worker would scan for nothing). Steps with no dependents send no statement at all.
-- The payload names those steps, "ID-ID,ID,… SENDER" (ranges of ids, at most 200 of them, then the sending
-- worker's id, its first 800 characters: within the 8,000 bytes a payload may have, whatever the id), so that the workers it wakes claim them by id (WorkerClaims#hint) instead of scanning every task from
-- the lowest id, as they did while only the worker that recorded a fan-out's root knew which steps it released.
-- The payload names those of :ids still new (not claimed here), runnable or not: checking each would cost a
-- fan-out's root thousands of lookups in its round trip, and the workers woken check what they claim anyway.
WITH g AS (SELECT min(id) AS lo, max(id) AS hi FROM (SELECT c.id, c.id - row_number() OVER (ORDER BY c.id) AS grp
  FROM ${steps} c WHERE c.id = ANY(:ids) AND c.status = 'new') x GROUP BY grp ORDER BY lo LIMIT 200)
SELECT pg_notify(:channel, (SELECT string_agg(CASE WHEN lo = hi THEN lo::text ELSE lo || '-' || hi END, ',' ORDER BY lo) FROM g)
  || ' ' || left(:sender, 800)) FROM (SELECT 1 FROM ${steps} c WHERE c.id = ANY(:ids) AND
-- include: runnable
  LIMIT 1) w
