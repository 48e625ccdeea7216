-- What a worker needs of a task to execute its steps (StoredGraphs). Syntax: see SqlFile.

-- name: taskGraph
-- workers2 (row 6a): the task, and each step's title, type (the first key of its settings), depends_on ids (as stored
-- in its settings: a JSON array of {"id": …}) and implicit dependencies (step_dependencies of kind implicit), by id.
-- Not the settings themselves, parsed and checked per step type: on a 2,000-step task that took a worker 200-340 ms
-- before its first step ran, while the claim returns the settings of each step it takes.
SELECT t.name, t.local_path, s.id, s.title, k.type
  , CASE WHEN k.n = 1 THEN (s.settings -> k.type -> 'depends_on')::text END AS depends_on
  , ARRAY(SELECT d.depends_on_id FROM ${step_dependencies} d WHERE d.step_id = s.id AND d.kind = 'implicit'
      ORDER BY d.depends_on_id) AS implicit
FROM ${tasks} t LEFT JOIN ${steps} s ON s.task_id = t.id
LEFT JOIN LATERAL (SELECT min(j.key) FILTER (WHERE j.ord = 1) AS type, count(*) AS n
  FROM jsonb_object_keys(CASE WHEN jsonb_typeof(s.settings) = 'object' THEN s.settings ELSE '{}'::jsonb END)
  WITH ORDINALITY AS j(key, ord)) k ON true
WHERE t.id = :task_id ORDER BY s.id
