-- PostgreSQL twin of ../004_security.sql: the same statements (no type to map).
-- OAuth states belong to the admin session that started the install (a callback from any other browser stores
-- nothing), and every Salesforce connection has its own Outbound Message endpoint secret: the SHA-256 for the
-- lookup, the secret itself encrypted so the admin page can show the URL again.
ALTER TABLE oauth_states ADD COLUMN session_hash TEXT;
CREATE INDEX oauth_states_expires ON oauth_states(expires_at);

ALTER TABLE connections ADD COLUMN inbound_token_hash TEXT;
ALTER TABLE connections ADD COLUMN inbound_token_enc TEXT;
CREATE UNIQUE INDEX connections_inbound_token ON connections(inbound_token_hash) WHERE inbound_token_hash IS NOT NULL;
