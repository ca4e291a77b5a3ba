-- Accounts, API keys, the profile cache, the imported dataset, the credit ledger, settings.
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  monthly_credit_limit INTEGER NOT NULL DEFAULT 0 CHECK (monthly_credit_limit >= 0),
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_keys_account ON api_keys(account_id);

-- One row per lookup key ("email:<canonical>" or "linkedin:<canonical url>"); a profile found by email is
-- stored under both of its keys so a later LinkedIn lookup hits too.
CREATE TABLE profile_cache (
  lookup_key TEXT PRIMARY KEY,
  profile_json TEXT NOT NULL,
  confidence INTEGER NOT NULL,
  provider TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX profile_cache_expires ON profile_cache(expires_at);

CREATE TABLE dataset_profiles (
  id INTEGER PRIMARY KEY,
  email TEXT UNIQUE,
  linkedin_url TEXT UNIQUE,
  profile_json TEXT NOT NULL,
  confidence INTEGER NOT NULL DEFAULT 100,
  updated_at TEXT NOT NULL,
  CHECK (email IS NOT NULL OR linkedin_url IS NOT NULL)
);

-- Every enrichment request, API or connector. idempotency_key makes a retried job charge once.
CREATE TABLE credit_ledger (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  api_key_id TEXT,
  connection_id TEXT,
  input_kind TEXT NOT NULL CHECK (input_kind IN ('email', 'linkedin_url', 'both')),
  outcome TEXT NOT NULL CHECK (outcome IN ('found', 'not_found', 'failed', 'rejected')),
  found INTEGER NOT NULL,
  cache_hit INTEGER NOT NULL,
  provider TEXT,
  credits INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  idempotency_key TEXT UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE INDEX credit_ledger_account_time ON credit_ledger(account_id, created_at);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
