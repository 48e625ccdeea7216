-- Deleting a task cascades to its steps, and from each step to its step_dependencies rows. With the
-- depends_on_id key checked at once (NO ACTION, immediate), the check for step A ran while the row
-- "B depends on A" was still there (its own cascade, from B, had not fired yet), so deleting any task
-- whose steps depend on each other failed. Checked at commit instead, the cascades have removed those
-- rows by then; deleting one step that others still depend on is still refused (Store names them first).
-- [jooq ignore start]
-- (H2, behind jOOQ's DDLDatabase, names the key differently; the generated classes see the same key.)
ALTER TABLE step_dependencies DROP CONSTRAINT step_dependencies_depends_on_id_fkey;
ALTER TABLE step_dependencies ADD CONSTRAINT step_dependencies_depends_on_id_fkey
    FOREIGN KEY (depends_on_id) REFERENCES steps (id) DEFERRABLE INITIALLY DEFERRED;
-- [jooq ignore stop]
