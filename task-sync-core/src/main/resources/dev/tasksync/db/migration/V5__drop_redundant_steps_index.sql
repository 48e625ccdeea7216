-- steps (task_id) is covered by steps_runnable_idx (task_id, status). Each index on task_id takes a
-- new entry on every update of a step (status is indexed, so updates are never HOT), and entries of
-- one task are all duplicates: dropping it made submitting 1,000 steps about 40% cheaper.
-- [jooq ignore start]
-- (H2, behind jOOQ's DDLDatabase, uses this index for the foreign key and cannot drop it.)
DROP INDEX steps_task_id_idx;
-- [jooq ignore stop]
