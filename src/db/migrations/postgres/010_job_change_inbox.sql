-- PostgreSQL twin of ../010_job_change_inbox.sql (INTEGER -> BIGINT; an INTEGER PRIMARY KEY rowid alias -> an identity column).
-- The job-change inbox and its alerts. A job change remembers the run that found it (its run_id column comes from
-- migration 009; the inbox filters by run, an alert lists one run's changes) and the contact's email (the inbox and its CSV show who moved without a CRM call).
ALTER TABLE job_changes ADD COLUMN contact_email TEXT;
CREATE INDEX job_changes_detected ON job_changes(detected_at);
CREATE INDEX job_changes_contact ON job_changes(connection_id, object_type, contact_id);

-- Where a connection's job-change alerts go. The URL is encrypted like the tokens: a Slack incoming-webhook URL is
-- itself the credential that lets anyone post to the channel.
CREATE TABLE connection_alerts (
  connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
  url_enc TEXT NOT NULL,
  url_hint TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('slack', 'json')),
  updated_at BIGINT NOT NULL
);

-- One alert per run, at most: the row is the delivery record, so a restarted worker or a re-queued job never posts
-- a delivered run again. The last attempt's HTTP status and error are what the connection page shows.
CREATE TABLE run_alerts (
  run_id TEXT PRIMARY KEY REFERENCES sync_runs(id) ON DELETE CASCADE,
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  changes BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  last_status BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX run_alerts_connection ON run_alerts(connection_id, updated_at);
