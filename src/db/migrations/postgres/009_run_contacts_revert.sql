-- PostgreSQL twin of ../009_run_contacts_revert.sql (INTEGER -> BIGINT; an INTEGER PRIMARY KEY rowid alias -> an identity column).
-- What a sync run did to each contact (the run view lists the contacts of each outcome), which run created each
-- job change (a revert may remove that run's tasks), and a marker on audit rows written by a revert.
CREATE TABLE run_contacts (
  run_id TEXT NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
  object_type TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  email TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('written', 'unchanged', 'skipped', 'not_found', 'failed')),
  reason TEXT,
  credits BIGINT NOT NULL DEFAULT 0,
  job_change BIGINT NOT NULL DEFAULT 0,
  at BIGINT NOT NULL,
  PRIMARY KEY (run_id, object_type, contact_id)
);
CREATE INDEX run_contacts_outcome ON run_contacts(run_id, outcome);

ALTER TABLE job_changes ADD COLUMN run_id TEXT;
CREATE INDEX job_changes_run ON job_changes(run_id) WHERE run_id IS NOT NULL;

-- 'write' for what a sync wrote; 'revert' for a field a revert of run `run_id` put back (old = ours, new = restored).
ALTER TABLE audit_log ADD COLUMN action TEXT NOT NULL DEFAULT 'write' CHECK (action IN ('write', 'revert'));
CREATE INDEX audit_log_run ON audit_log(run_id, action) WHERE run_id IS NOT NULL;
