-- The engine's own writes of steps (claims, outcomes, heartbeats, submits: claims.sql,
-- submit.sql) set written_xid and updated_at themselves, in the statement, as V15's trigger would have: each step of a
-- run is written three times, and the trigger's PL/pgSQL call per row was about 4% of the server's time per step.
-- The trigger stays for every other writer: on UPDATE it runs when the statement left written_xid as it was (the
-- engine's statements set it to pg_current_xact_id(), which differs from a row's stamp unless this same transaction
-- wrote the row before, and then the trigger writes what the statement did); on INSERT always.
-- step_runs: an attempt's row is written twice, opened by its claim and closed by its outcome; its indexes cover none
-- of the columns closing it sets, so with room on its page the second write is a HOT update (no index entries).
-- Pages filled to 100% left no room. Existing pages keep their fill; new ones leave a fifth free.
-- [jooq ignore start]
DROP TRIGGER steps_touch ON steps;
CREATE TRIGGER steps_touch_insert BEFORE INSERT ON steps
    FOR EACH ROW EXECUTE FUNCTION touch_step();
CREATE TRIGGER steps_touch BEFORE UPDATE ON steps
    FOR EACH ROW WHEN (NEW.written_xid = OLD.written_xid) EXECUTE FUNCTION touch_step();
ALTER TABLE step_runs SET (fillfactor = 80);
-- [jooq ignore stop]
