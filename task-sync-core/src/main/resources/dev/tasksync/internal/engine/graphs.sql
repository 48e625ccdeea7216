-- What a worker needs of a task to execute its steps (StoredGraphs). Syntax: see SqlFile.

-- name: taskGraph
-- The task, and each step's title, type (the first key of its settings) and dependencies: the ids
-- its settings' depends_on lists, in their order, then its implicit dependencies (step_dependencies of kind implicit)
-- by id, as one text "ID,ID,…" (one text column: a fresh worker decodes 2,000 rows in its interpreter). Not the settings
-- themselves, parsed and checked per step type: on a 2,000-step task that held a worker's first step up 200-340 ms,
-- while each claim returns the settings of the steps it takes.
SELECT t.name, t.local_path, s.id, s.title, k.type
  , concat_ws(',', CASE WHEN k.n = 1 AND jsonb_typeof(s.settings -> k.type -> 'depends_on') = 'array' THEN
      (SELECT string_agg(e.v ->> 'id', ',' ORDER BY e.ord)
       FROM jsonb_array_elements(s.settings -> k.type -> 'depends_on') WITH ORDINALITY AS e(v, ord)) END
    , (SELECT string_agg(d.depends_on_id::text, ',' ORDER BY d.depends_on_id) FROM ${step_dependencies} d
       WHERE d.step_id = s.id AND d.kind = 'implicit')) AS deps
FROM ${tasks} t LEFT JOIN ${steps} s ON s.task_id = t.id
LEFT JOIN LATERAL (SELECT min(j.key) FILTER (WHERE j.ord = 1) AS type, count(*) AS n
  FROM jsonb_object_keys(CASE WHEN jsonb_typeof(s.settings) = 'object' THEN s.settings ELSE '{}'::jsonb END)
  WITH ORDINALITY AS j(key, ord)) k ON true
WHERE t.id = :task_id ORDER BY s.id
