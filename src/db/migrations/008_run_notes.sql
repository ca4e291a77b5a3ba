-- Why a run ended early though it succeeded (a job-changes run stopped at the connection's monthly monitoring budget).
ALTER TABLE sync_runs ADD COLUMN note TEXT;
