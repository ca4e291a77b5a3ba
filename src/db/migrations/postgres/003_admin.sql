-- PostgreSQL twin of ../003_admin.sql (INTEGER -> BIGINT; an INTEGER PRIMARY KEY rowid alias -> an identity column).
-- Admin page sessions. Kept in the database so a restart does not log the admin out; only the SHA-256 of the
-- session id is stored, so a copy of the database does not hold a usable cookie.
CREATE TABLE admin_sessions (
  id_hash TEXT PRIMARY KEY,
  csrf_token TEXT NOT NULL,
  -- Fingerprint of the admin password hash at login: changing ADMIN_PASSWORD ends every session.
  password_fp TEXT NOT NULL,
  flash_json TEXT,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_expires ON admin_sessions(expires_at);
