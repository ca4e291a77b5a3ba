// Connected CRMs. Tokens are stored only encrypted (AES-256-GCM); settings and the provisioning report as JSON.
import type { Db } from './open.js';
import { newId } from './ids.js';
import type { Cipher } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';
import type { CrmKind, ProvisionReport, TokenSet } from '../../connectors/types.js';

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
     VALUES (@id, @crm, @account_id, @external_id, @label, @user_id, 'connected', @tokens_enc, @token_expires_at, @settings_json, @now, @now)`,
  );
  const reinstall = db.prepare(
    `UPDATE connections SET label = @label, user_id = @user_id, status = 'connected', status_reason = NULL, tokens_enc = @tokens_enc,
       token_expires_at = @token_expires_at, refresh_lock_until = NULL, updated_at = @now WHERE id = @id`,
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

  const now = () => clock.now();

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
            reinstall.run({ ...common, id: existing.id });
            return { row: byId.get(existing.id)!, created: false };
          }
          const id = newId('con');
          insert.run({ ...common, id, crm: p.crm, account_id: p.accountId, external_id: p.externalId, settings_json: p.settingsJson });
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
  };
}
export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>;
