-- PostgreSQL twin of ../013_run_provider_waits.sql: the same statements (no type to map).
-- The provider waits of a run, kept after it finished (the run view lists them): a JSON array of
-- {"provider": "...", "from": <epoch ms>, "until": <epoch ms>}. NULL = no wait recorded.
ALTER TABLE sync_runs ADD COLUMN waits_json TEXT;
