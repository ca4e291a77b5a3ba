-- PostgreSQL twin of ../008_run_notes.sql: the same statements (no type to map).
-- Why a run ended early though it succeeded (a job-changes run stopped at the connection's monthly monitoring budget).
ALTER TABLE sync_runs ADD COLUMN note TEXT;
