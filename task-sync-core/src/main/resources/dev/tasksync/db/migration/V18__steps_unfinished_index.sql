-- steps_runnable_idx (task_id, status) took a new entry on every write of a step (status changes, so no update of
-- steps is HOT): three per step of a run, the last one for its outcome (completed, failed, ...), which no probe by
-- status ever looks for. What looks a task's steps up by status looks for unfinished ones (new or active: settling
-- a worker's tasks, mayBeDone; what a task has pending; a task's claims), so the index holds those only, by id
-- within the task (a task's claims take the lowest ids first). A step's outcome adds no entry to it; its row
-- leaves it with its old version. Lookups of all of a task's steps (settling, listings) go by steps_written_idx
-- (task_id, written_xid), whose first column is the task.
-- [jooq ignore start]
CREATE INDEX steps_unfinished_idx ON steps (task_id, id) WHERE status IN ('new', 'active');
DROP INDEX steps_runnable_idx;
-- [jooq ignore stop]
