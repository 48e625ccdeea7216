-- The web console (task-sync-console): its users, their sessions, and an audit row per change they make.
CREATE TABLE console_users (
    id            SERIAL PRIMARY KEY,
    name          TEXT        NOT NULL,
    role          TEXT        NOT NULL,
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A session is stored by the SHA-256 of its cookie, so a read of this table gives no one a login.
CREATE TABLE console_sessions (
    token_hash TEXT        NOT NULL,
    user_id    INTEGER     NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    csrf_token TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE console_audit (
    id        BIGSERIAL PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_name TEXT        NOT NULL,
    action    TEXT        NOT NULL,
    target    TEXT        NOT NULL,
    remote    TEXT
);

-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE console_users ADD CONSTRAINT console_users_name_key UNIQUE (name);
ALTER TABLE console_users ADD CONSTRAINT console_users_role_check CHECK (role IN ('viewer', 'operator', 'admin'));
ALTER TABLE console_sessions ADD PRIMARY KEY (token_hash);

-- [jooq ignore stop]
