-- A dependency is explicit (the step's depends_on) or implicit (the step uses an image or container that
-- another step of its task makes; derived from the task's settings whenever its steps are written).
-- Claims read both kinds alike; a step's settings keep only its explicit ones.
ALTER TABLE step_dependencies ADD COLUMN kind TEXT NOT NULL DEFAULT 'explicit';
-- [jooq ignore start]
ALTER TABLE step_dependencies ADD CONSTRAINT step_dependencies_kind_check CHECK (kind IN ('explicit', 'implicit'));
-- [jooq ignore stop]
