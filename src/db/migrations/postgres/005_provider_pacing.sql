-- PostgreSQL twin of ../005_provider_pacing.sql (INTEGER -> BIGINT; an INTEGER PRIMARY KEY rowid alias -> an identity column).
-- Exact credits: only a charged ledger row holds a record's idempotency key; an uncharged attempt (failed, refused,
-- not found) keeps the key it belonged to in attempt_key, so a later success under that key is still charged once.
ALTER TABLE credit_ledger ADD COLUMN attempt_key TEXT;
CREATE INDEX credit_ledger_attempt_key ON credit_ledger(attempt_key) WHERE attempt_key IS NOT NULL;

-- A run that waits for a provider's rate limit says so (the CLI progress line and the admin run view read it):
-- which provider, and when it resumes (epoch ms). Cleared when the run goes on.
ALTER TABLE sync_runs ADD COLUMN waiting_provider TEXT;
ALTER TABLE sync_runs ADD COLUMN waiting_until BIGINT;

-- The fixed window of each provider API key, shared by every process on this database (the server and a CLI
-- sync pace one key together). The key is a SHA-256 of provider and API key: the API key is never stored.
CREATE TABLE provider_windows (
  key TEXT PRIMARY KEY,
  window_end BIGINT NOT NULL,
  left_count BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL
);
