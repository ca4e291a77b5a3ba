-- One time representation: epoch milliseconds (INTEGER), written through the Clock, as every other table already
-- stores it. accounts, api_keys and connections stored ISO-8601 text; each such column is replaced by an INTEGER
-- column holding the same instant (to the millisecond), keeping its name, its NULLs and its NOT NULL.
-- SQLite cannot change a column's type in place: add, convert, drop, rename (none of these columns is indexed,
-- unique or part of a key, so DROP COLUMN applies).

ALTER TABLE accounts ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET created_ms = CAST(ROUND(unixepoch(created_at, 'subsec') * 1000) AS INTEGER);
ALTER TABLE accounts DROP COLUMN created_at;
ALTER TABLE accounts RENAME COLUMN created_ms TO created_at;

ALTER TABLE api_keys ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN last_used_ms INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_ms INTEGER;
UPDATE api_keys SET
  created_ms = CAST(ROUND(unixepoch(created_at, 'subsec') * 1000) AS INTEGER),
  last_used_ms = CAST(ROUND(unixepoch(last_used_at, 'subsec') * 1000) AS INTEGER),
  revoked_ms = CAST(ROUND(unixepoch(revoked_at, 'subsec') * 1000) AS INTEGER);
ALTER TABLE api_keys DROP COLUMN created_at;
ALTER TABLE api_keys DROP COLUMN last_used_at;
ALTER TABLE api_keys DROP COLUMN revoked_at;
ALTER TABLE api_keys RENAME COLUMN created_ms TO created_at;
ALTER TABLE api_keys RENAME COLUMN last_used_ms TO last_used_at;
ALTER TABLE api_keys RENAME COLUMN revoked_ms TO revoked_at;

ALTER TABLE connections ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0;
UPDATE connections SET
  created_ms = CAST(ROUND(unixepoch(created_at, 'subsec') * 1000) AS INTEGER),
  updated_ms = CAST(ROUND(unixepoch(updated_at, 'subsec') * 1000) AS INTEGER);
ALTER TABLE connections DROP COLUMN created_at;
ALTER TABLE connections DROP COLUMN updated_at;
ALTER TABLE connections RENAME COLUMN created_ms TO created_at;
ALTER TABLE connections RENAME COLUMN updated_ms TO updated_at;
