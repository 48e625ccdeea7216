-- Like git's index: the last SHA-256 of each watched file with the size and modification time it
-- had then, so an unchanged file is not read again.
CREATE TABLE file_index (
    path         TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    mtime_ns     BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    hashed_at_ns BIGINT  NOT NULL
);
-- [jooq ignore start]
-- H2 (behind jOOQ's DDLDatabase) cannot index a CLOB; PostgreSQL can.
ALTER TABLE file_index ADD CONSTRAINT file_index_pkey PRIMARY KEY (path);
-- [jooq ignore stop]
