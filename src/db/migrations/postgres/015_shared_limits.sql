-- Limits shared by every process on this database (several server nodes, the server and a CLI sync).
-- The API's per-key token bucket: the tokens left at `at` (epoch ms); it refills continuously from there.
CREATE TABLE api_rate_buckets (
  key TEXT PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  at BIGINT NOT NULL
);

-- Credits held by requests that passed the monthly credit check and still wait on a provider. A row is deleted
-- with the request's ledger row (or when it fails); `expires_at` (epoch ms) frees the rows of a node that died.
CREATE TABLE credit_reservations (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  credits BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX credit_reservations_account ON credit_reservations(account_id, expires_at);
CREATE INDEX credit_reservations_expiry ON credit_reservations(expires_at);
