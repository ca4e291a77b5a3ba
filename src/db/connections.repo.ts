// Connected CRMs. Tokens are stored only encrypted (AES-256-GCM); settings and the provisioning report as JSON.
import type { Db } from './open.js';
import { newId } from './ids.js';
import { randomToken, sha256Hex, type Cipher } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import type { CrmKind, ProvisionReport, TokenSet } from '../../connectors/types.js';

const INBOUND_TOKEN_BYTES = 32;
const INBOUND_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export type ConnectionStatus = 'connected' | 'reconnect_needed' | 'paused' | 'disconnected';

export interface ConnectionRow {
  id: string;
  crm: CrmKind;
  account_id: string;
  external_id: string;
  label: string | null;
  user_id: string | null;
  status: ConnectionStatus;
  status_reason: string | null;
  tokens_enc: string;
  token_expires_at: number | null;
  refresh_lock_until: number | null;
  settings_json: string;
  provision_json: string | null;
  /** SHA-256 of the connection's inbound endpoint secret (Salesforce Outbound Messages); null until first needed. */
  inbound_token_hash: string | null;
  inbound_token_enc: string | null;
  /** Epoch ms, like every time in the database. */
  created_at: number;
  updated_at: number;
}

export function createConnectionsRepo(db: Db, cipher: Cipher, clock: Clock) {
  const byId = db.prepare<[string], ConnectionRow>('SELECT * FROM connections WHERE id = ?');
  const byExternal = db.prepare<[string, string], ConnectionRow>('SELECT * FROM connections WHERE crm = ? AND external_id = ?');
  const list = db.prepare<[], ConnectionRow & { account_name: string }>(
    'SELECT c.*, a.name AS account_name FROM connections c JOIN accounts a ON a.id = c.account_id ORDER BY c.created_at',
  );
  const insert = db.prepare(
    `INSERT INTO connections (id, crm, account_id, external_id, label, user_id, status, tokens_enc, token_expires_at, settings_json, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'connected', ?, ?, ?, ?, ?)`,
  );
  const reinstall = db.prepare(
    `UPDATE connections SET label = ?, user_id = ?, status = 'connected', status_reason = NULL, tokens_enc = ?,
       token_expires_at = ?, refresh_lock_until = NULL, updated_at = ? WHERE id = ?`,
  );
  const saveTokens = db.prepare('UPDATE connections SET tokens_enc = ?, token_expires_at = ?, updated_at = ? WHERE id = ?');
  const setStatus = db.prepare('UPDATE connections SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?');
  const setSettings = db.prepare('UPDATE connections SET settings_json = ?, updated_at = ? WHERE id = ?');
  const setProvision = db.prepare('UPDATE connections SET provision_json = ?, updated_at = ? WHERE id = ?');
  const lock = db.prepare(
    'UPDATE connections SET refresh_lock_until = ? WHERE id = ? AND (refresh_lock_until IS NULL OR refresh_lock_until < ?)',
  );
  const unlock = db.prepare('UPDATE connections SET refresh_lock_until = NULL WHERE id = ?');
  const del = db.prepare('DELETE FROM connections WHERE id = ?');
  const byTokenHash = db.prepare<[string], ConnectionRow>('SELECT * FROM connections WHERE inbound_token_hash = ?');
  const setToken = db.prepare('UPDATE connections SET inbound_token_hash = ?, inbound_token_enc = ?, updated_at = ? WHERE id = ?');

  const now = () => clock.now();

  /** 32 random bytes (43 base64url characters); only its hash is searchable, the secret itself is encrypted. */
  function newInboundToken(id: string): string {
    const token = randomToken(INBOUND_TOKEN_BYTES);
    setToken.run(sha256Hex(token), cipher.encrypt(token), now(), id);
    return token;
  }

  return {
    get: (id: string) => byId.get(id),
    byExternalId: (crm: CrmKind, externalId: string) => byExternal.get(crm, externalId),
    list: () => list.all(),

    /** One connection per portal / org: a re-install updates tokens and status, and keeps settings and history. */
    upsertInstall(p: { crm: CrmKind; accountId: string; externalId: string; label: string | null; userId: string | null; tokens: TokenSet; settingsJson: string }): {
      row: ConnectionRow;
      created: boolean;
    } {
      return db
        .transaction(() => {
          const existing = byExternal.get(p.crm, p.externalId);
          const common = { label: p.label, user_id: p.userId, tokens_enc: cipher.encrypt(JSON.stringify(p.tokens)), token_expires_at: p.tokens.expiresAt, now: now() };
          if (existing) {
            reinstall.run(common.label, common.user_id, common.tokens_enc, common.token_expires_at, common.now, existing.id);
            return { row: byId.get(existing.id)!, created: false };
          }
          const id = newId('con');
          insert.run(id, p.crm, p.accountId, p.externalId, common.label, common.user_id, common.tokens_enc, common.token_expires_at, p.settingsJson, common.now, common.now);
          return { row: byId.get(id)!, created: true };
        })
        .immediate();
    },

    tokens(id: string): TokenSet {
      const row = byId.get(id);
      if (!row) throw new Error(`connection ${id} does not exist`);
      return JSON.parse(cipher.decrypt(row.tokens_enc)) as TokenSet;
    },
    saveTokens(id: string, tokens: TokenSet): void {
      saveTokens.run(cipher.encrypt(JSON.stringify(tokens)), tokens.expiresAt, now(), id);
    },
    setStatus(id: string, status: ConnectionStatus, reason: string | null = null): void {
      setStatus.run(status, reason, now(), id);
    },
    setSettings(id: string, settingsJson: string): void {
      setSettings.run(settingsJson, now(), id);
    },
    setProvision(id: string, report: ProvisionReport): void {
      setProvision.run(JSON.stringify(report), now(), id);
    },
    provision(id: string): ProvisionReport | null {
      const row = byId.get(id);
      return row?.provision_json ? (JSON.parse(row.provision_json) as ProvisionReport) : null;
    },
    /** Cross-process refresh lock (a lease, so a crashed holder frees it). */
    tryLock(id: string, ms: number, at = clock.now()): boolean {
      return lock.run(at + ms, id, at).changes > 0;
    },
    unlock(id: string): void {
      unlock.run(id);
    },
    delete(id: string): void {
      del.run(id);
    },

    /** The connection's inbound endpoint secret, created on first use (connections made before it existed). */
    inboundToken(id: string): string {
      return db
        .transaction(() => {
          const row = byId.get(id);
          if (!row) throw new Error(`connection ${id} does not exist`);
          return row.inbound_token_enc ? cipher.decrypt(row.inbound_token_enc) : newInboundToken(id);
        })
        .immediate();
    },
    /** A new secret; the old URL stops working at once. */
    rotateInboundToken(id: string): string {
      if (!byId.get(id)) throw new Error(`connection ${id} does not exist`);
      return newInboundToken(id);
    },
    /** The connection whose endpoint secret this is; undefined for anything else (looked up by hash, no parsing). */
    byInboundToken(token: string): ConnectionRow | undefined {
      if (!INBOUND_TOKEN_RE.test(token)) return undefined;
      return byTokenHash.get(sha256Hex(token));
    },
  };
}
export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>;
