-- The CRM limits shared by every process on this database (docs/architecture.md): several service nodes calling
-- one HubSpot portal or one Salesforce org must count their calls together.
--
-- crm_call_windows: one row per sliding window (e.g. 'hubspot:<portal>:api', 'hubspot:<portal>:search').
-- `slots` is a JSON array of [slot id, held until (epoch ms)] pairs, at most `max` entries: a slot is held while
-- its request is in flight and for the window's length after it settled. `paused_until` (epoch ms, 0 = none)
-- holds back every new call of the window after a 429. Each take reads and rewrites the row in one IMMEDIATE
-- transaction.
CREATE TABLE crm_call_windows (
  key TEXT PRIMARY KEY,
  slots TEXT NOT NULL DEFAULT '[]',
  paused_until BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);

-- crm_api_usage: the last known API usage of a CRM account (Salesforce `Sforce-Limit-Info`, per org) and when it
-- was read (epoch ms): every node pauses background work from it, and the newest reading wins.
CREATE TABLE crm_api_usage (
  key TEXT PRIMARY KEY,
  used BIGINT NOT NULL,
  limit_count BIGINT NOT NULL,
  observed_at BIGINT NOT NULL
);
