-- The full log of every attempt, in compressed chunks written as the step produces output (issue 17).
-- A chunk holds many lines (time, stream, text), deflated; seq orders the chunks of one attempt and may
-- have gaps where the middle of a log beyond its cap was dropped (a note chunk then says how much).
CREATE TABLE step_log_chunks (
    step_id    INTEGER     NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
    attempt    INTEGER     NOT NULL,
    seq        INTEGER     NOT NULL,
    lines      INTEGER     NOT NULL,
    raw_bytes  INTEGER     NOT NULL,
    data       BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (step_id, attempt, seq)
);
-- Retention by age deletes the oldest chunks.
CREATE INDEX step_log_chunks_created_idx ON step_log_chunks (created_at);
