-- One row per scheduled firing (schedule and minute): every worker node's scheduler fires, the first insert wins and
-- starts the run, the others see the row and do nothing. Rows older than a week are pruned as firings happen.
CREATE TABLE schedule_firings (
  connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  mode TEXT NOT NULL,
  minute_at INTEGER NOT NULL,
  run_id TEXT,
  fired_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, mode, minute_at)
);
CREATE INDEX schedule_firings_minute ON schedule_firings (minute_at);
