-- The console's statements, read through ConsoleSql by StepStates and UserStore (SqlFile's format: see claims.sql in task-sync-core).

-- name: stepColumns
-- What a live task page shows of each step, and the oldest transaction still in progress at the read's snapshot
-- (where the next read starts: see StepStates). The LEFT JOIN keeps the task's row when no step matches.
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS next_since, t.status AS task_status,
       s.id, s.status, s.attempt, s.started_at, s.finished_at
FROM ${tasks} t LEFT JOIN ${steps} s ON s.task_id = t.id

-- name: allSteps
-- include: stepColumns
WHERE t.id = :task_id
ORDER BY s.id

-- name: stepsWrittenSince
-- written_xid is set by V15's trigger to the writing transaction's id: with steps_written_idx (task_id,
-- written_xid) this is a range scan of the rows written since, not a filter over every step of the task.
-- include: stepColumns
  AND s.written_xid >= CAST(:since AS xid8)
WHERE t.id = :task_id
ORDER BY s.id

-- The console's users, sessions and audit trail (V13), read and written by UserStore.

-- name: anyUser
SELECT EXISTS (SELECT 1 FROM ${console_users})

-- name: putUser
-- Adding a user who exists sets their role and password: a second `user add` of a name changes them.
INSERT INTO ${console_users} (name, role, password_hash) VALUES (:name, :role, :password_hash)
ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash
RETURNING id, name, role, created_at

-- name: listUsers
SELECT id, name, role, created_at FROM ${console_users} ORDER BY name

-- name: setUserRole
UPDATE ${console_users} SET role = :role WHERE name = :name

-- name: removeUser
-- Their sessions go with them (ON DELETE CASCADE).
DELETE FROM ${console_users} WHERE name = :name

-- name: userToLogIn
SELECT id, name, role, password_hash FROM ${console_users} WHERE name = :name

-- name: addSession
-- Stored by the SHA-256 of the cookie: a read of the table gives no one a login.
INSERT INTO ${console_sessions} (token_hash, user_id, csrf_token, expires_at) VALUES (:token_hash, :user_id, :csrf_token, :expires_at)

-- name: dropExpiredSessions
DELETE FROM ${console_sessions} WHERE expires_at < now()

-- name: liveSession
-- The user's current role, not the one they logged in with.
SELECT u.id, u.name, u.role, s.csrf_token
FROM ${console_sessions} s JOIN ${console_users} u ON u.id = s.user_id
WHERE s.token_hash = :token_hash AND s.expires_at > now()

-- name: dropSession
DELETE FROM ${console_sessions} WHERE token_hash = :token_hash

-- name: addAudit
INSERT INTO ${console_audit} (user_name, action, target, remote) VALUES (:user_name, :action, :target, :remote)
