-- A log chunk's data is already compressed (zstd, or deflate): PostgreSQL's own pglz would only spend CPU on each
-- chunk stored to find that out. EXTERNAL keeps large values out of line, uncompressed. Only new rows are affected;
-- no table rewrite. (Catalog-only: jOOQ's generated classes do not change.)
-- [jooq ignore start]
ALTER TABLE step_log_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
-- [jooq ignore stop]
