-- PostgreSQL twin of ../007_ledger_request_id.sql: the same statements (no type to map).
-- The X-Request-Id of the API request behind a ledger row: a client quoting the id of a response finds its charge.
ALTER TABLE credit_ledger ADD COLUMN request_id TEXT;
CREATE INDEX credit_ledger_request_id ON credit_ledger(request_id) WHERE request_id IS NOT NULL;
