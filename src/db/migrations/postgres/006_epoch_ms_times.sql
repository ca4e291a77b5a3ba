-- PostgreSQL twin of ../006_epoch_ms_times.sql.
-- One time representation: epoch milliseconds (BIGINT), written through the Clock, as every other table already
-- stores it. accounts, api_keys and connections stored ISO-8601 text; each such column is replaced by a BIGINT
-- column holding the same instant (to the millisecond), keeping its name, its NULLs and its NOT NULL.
-- PostgreSQL could change the type in place (ALTER COLUMN ... TYPE ... USING), but that would keep each column at
-- its old position: the SQLite steps (add, convert, drop, rename) are repeated instead, so both engines end with the
-- same column order (the converted columns last) and the same DEFAULT 0 on the NOT NULL ones.
-- Like SQLite's unixepoch(), a text without a zone is read as UTC (whatever the session's TimeZone is) and one with
-- Z or +HH:MM as what it says; text that is not a time fails the migration on both engines.

ALTER TABLE accounts ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET
  created_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN created_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(created_at AS TIMESTAMPTZ) ELSE CAST(created_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT);
ALTER TABLE accounts DROP COLUMN created_at;
ALTER TABLE accounts RENAME COLUMN created_ms TO created_at;

ALTER TABLE api_keys ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN last_used_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_ms BIGINT;
UPDATE api_keys SET
  created_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN created_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(created_at AS TIMESTAMPTZ) ELSE CAST(created_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT),
  last_used_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN last_used_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(last_used_at AS TIMESTAMPTZ) ELSE CAST(last_used_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT),
  revoked_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN revoked_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(revoked_at AS TIMESTAMPTZ) ELSE CAST(revoked_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT);
ALTER TABLE api_keys DROP COLUMN created_at;
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN revoked_at;
ALTER TABLE api_keys RENAME COLUMN created_ms TO created_at;
ALTER TABLE api_keys RENAME COLUMN last_used_ms TO last_used_at;
ALTER TABLE api_keys RENAME COLUMN revoked_ms TO revoked_at;

ALTER TABLE connections ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN updated_ms BIGINT NOT NULL DEFAULT 0;
UPDATE connections SET
  created_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN created_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(created_at AS TIMESTAMPTZ) ELSE CAST(created_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT),
  updated_ms = CAST(ROUND(EXTRACT(EPOCH FROM CASE WHEN updated_at ~ '[0-9]:[0-9]{2}(:[0-9]{2}(\.[0-9]*)?)?\s*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'
    THEN CAST(updated_at AS TIMESTAMPTZ) ELSE CAST(updated_at AS TIMESTAMP) AT TIME ZONE 'UTC' END) * 1000) AS BIGINT);
ALTER TABLE connections DROP COLUMN created_at;
ALTER TABLE connections DROP COLUMN updated_at;
ALTER TABLE connections RENAME COLUMN created_ms TO created_at;
ALTER TABLE connections RENAME COLUMN updated_ms TO updated_at;
