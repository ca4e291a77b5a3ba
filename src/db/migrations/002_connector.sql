-- CRM connections, OAuth states, the durable job queue, sync runs and schedules, snapshots, audit, job changes.
CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  crm TEXT NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  external_id TEXT NOT NULL,
  label TEXT,
  user_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('connected', 'reconnect_needed', 'paused', 'disconnected')),
  status_reason TEXT,
  tokens_enc TEXT NOT NULL,
  token_expires_at INTEGER,
  refresh_lock_until INTEGER,
  settings_json TEXT NOT NULL,
  provision_json TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (crm, external_id)
);

CREATE TABLE oauth_states (
  state_hash TEXT PRIMARY KEY,
  crm TEXT NOT NULL,
  account_name TEXT,
  code_verifier_enc TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);

-- States: queued → running → succeeded | retry | dead; retry → running; dead → queued (manual retry).
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  connection_id TEXT REFERENCES connections(id) ON DELETE CASCADE,
  dedupe_key TEXT UNIQUE,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'retry', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  leased_by TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX jobs_ready ON jobs(state, run_at) WHERE state IN ('queued', 'retry');
CREATE INDEX jobs_running ON jobs(connection_id, state) WHERE state = 'running';
CREATE INDEX jobs_connection ON jobs(connection_id, created_at);

CREATE TABLE job_attempts (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT,
  error TEXT
);
CREATE INDEX job_attempts_job ON job_attempts(job_id);

CREATE TABLE sync_runs (
  id TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  mode TEXT NOT NULL CHECK (mode IN ('new', 'backfill', 'job-changes')),
  trigger TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  checkpoint_json TEXT,
  total INTEGER,
  counts_json TEXT NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX sync_runs_connection ON sync_runs(connection_id, created_at);

CREATE TABLE sync_state (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (connection_id, key)
);

CREATE TABLE schedules (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  mode TEXT NOT NULL CHECK (mode IN ('new', 'backfill', 'job-changes')),
  cron TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, mode)
);

-- What this service last saw for a contact: the basis of change detection and of the contact history.
CREATE TABLE contact_snapshots (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  object_type TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  email TEXT,
  linkedin_url TEXT,
  company TEXT,
  title TEXT,
  seniority TEXT,
  provider TEXT,
  confidence INTEGER,
  found INTEGER NOT NULL,
  job_change_flagged_at INTEGER,
  first_enriched_at INTEGER NOT NULL,
  last_enriched_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, contact_id)
);
CREATE INDEX contact_snapshots_due ON contact_snapshots(connection_id, last_enriched_at);
CREATE INDEX contact_snapshots_email ON contact_snapshots(connection_id, email);

-- The value this service last wrote into each field: the `if_ours` policy writes only over its own values.
CREATE TABLE written_values (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  object_type TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value_json TEXT NOT NULL,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, object_type, contact_id, field)
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  object_type TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  email TEXT,
  field TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  status TEXT NOT NULL CHECK (status IN ('written', 'failed')),
  error TEXT,
  job_id INTEGER,
  run_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_contact ON audit_log(connection_id, object_type, contact_id, created_at);
CREATE INDEX audit_log_email ON audit_log(email, created_at);

CREATE TABLE job_changes (
  id TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  object_type TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  change_key TEXT NOT NULL,
  previous_company TEXT,
  previous_title TEXT,
  new_company TEXT,
  new_title TEXT,
  contact_name TEXT,
  owner_id TEXT,
  detected_at INTEGER NOT NULL,
  task_state TEXT NOT NULL CHECK (task_state IN ('pending', 'creating', 'created', 'failed', 'skipped')),
  task_id TEXT,
  task_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  UNIQUE (connection_id, object_type, contact_id, change_key)
);
CREATE INDEX job_changes_pending ON job_changes(connection_id, task_state);
