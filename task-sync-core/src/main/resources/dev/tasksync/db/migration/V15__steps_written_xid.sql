-- Which transaction last wrote each step (issue 18, row 18c): the console's live read of a watched task asks for
-- "the steps written since my last read" every 250 ms. Read by the system column xmin, that was a filter over all
-- of the task's rows (10,000 for a large task, four times a second); a column of its own can be indexed with the
-- task's id, and the read becomes a range scan of the rows actually written.
-- xid8 (PostgreSQL 13+) is the 64-bit id with its epoch: compared as numbers, no wraparound to reason about.
-- pg_current_xact_id() is the top-level transaction's id; a row written in a subtransaction gets its parent's, which
-- is older than the subtransaction's and so never later than what a reader's snapshot xmin lets through.
-- Rows written before this migration get 0: the migration holds the table's lock, so none of them belongs to a
-- transaction still in progress, and a console reads every row once when a page opens.
-- The column is not in jOOQ's model (H2 behind its DDLDatabase has no xid8): only the trigger writes it and only
-- the console's own SQL (console.sql) reads it.
-- [jooq ignore start]
ALTER TABLE steps ADD COLUMN written_xid xid8 NOT NULL DEFAULT '0';

-- One trigger for both stamps (it replaces V1's steps_touch_updated_at): updated_at moves on every update as before,
-- written_xid on every insert and update, whoever writes the row.
CREATE FUNCTION touch_step() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    NEW.written_xid := pg_current_xact_id();
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER steps_touch_updated_at ON steps;
CREATE TRIGGER steps_touch BEFORE INSERT OR UPDATE ON steps
    FOR EACH ROW EXECUTE FUNCTION touch_step();

CREATE INDEX steps_written_idx ON steps (task_id, written_xid);
-- [jooq ignore stop]
