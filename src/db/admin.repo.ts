// Read models of the admin pages (audit search, credits per day, last runs) and the admin sessions. The admin
// layer never runs SQL itself: every query it needs lives here, prepared once — except the job lists and counts,
// which live with the rest of the SQL on `jobs` in src/jobs/queue.ts.
import type { Db } from './open.js';
import type { AuditRow } from './contacts.repo.js';
import { utcDayOf } from './ledger.repo.js';

export interface AdminSessionRow {
  id_hash: string;
  csrf_token: string;
  password_fp: string;
  flash_json: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** An audit row with the CRM of its connection (the activity page lists rows of every connection). */
export interface AuditSearchRow extends AuditRow {
  crm: string | null;
}

export interface CreditDayRow {
  account_id: string;
  account: string;
  day: string;
  requests: number;
  found: number;
  cache_hits: number;
  credits: number;
}

/** `%` and `_` typed by the admin are literal characters, not wildcards. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createAdminRepo(db: Db) {
  const sessionGet = db.prepare<[string], AdminSessionRow>('SELECT * FROM admin_sessions WHERE id_hash = ?');
  const sessionInsert = db.prepare(
    `INSERT INTO admin_sessions (id_hash, csrf_token, password_fp, flash_json, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, NULL, ?, ?, ?)`,
  );
  const sessionTouch = db.prepare('UPDATE admin_sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?');
  const sessionFlash = db.prepare('UPDATE admin_sessions SET flash_json = ? WHERE id_hash = ?');
  const sessionDelete = db.prepare('DELETE FROM admin_sessions WHERE id_hash = ?');
  const sessionPurge = db.prepare('DELETE FROM admin_sessions WHERE expires_at < ?');

  const auditRecent = db.prepare<[number, number], AuditSearchRow>(
    `SELECT l.*, c.crm FROM audit_log l LEFT JOIN connections c ON c.id = l.connection_id ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?`,
  );
  const auditByEmail = db.prepare<[string, number, number], AuditSearchRow>(
    `SELECT l.*, c.crm FROM audit_log l LEFT JOIN connections c ON c.id = l.connection_id
      WHERE lower(l.email) LIKE lower(?) ESCAPE '\\' ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?`,
  );
  // Days are numbered in SQL (UTC days since the epoch) and named in TypeScript (utcDayOf).
  const creditsDaily = db.prepare<[number], Omit<CreditDayRow, 'day'> & { day_n: number }>(
    `SELECT a.id AS account_id, a.name AS account, l.created_at / 86400000 AS day_n, COUNT(*) AS requests,
            CAST(SUM(l.found) AS BIGINT) AS found, CAST(SUM(l.cache_hit) AS BIGINT) AS cache_hits, CAST(SUM(l.credits) AS BIGINT) AS credits
       FROM credit_ledger l JOIN accounts a ON a.id = l.account_id
      WHERE l.created_at >= ? GROUP BY a.id, a.name, l.created_at / 86400000 ORDER BY a.name, day_n`,
  );
  const lastRuns = db.prepare<[], { connection_id: string; mode: string; state: string; created_at: number; finished_at: number | null }>(
    `SELECT r.connection_id, r.mode, r.state, r.created_at, r.finished_at FROM sync_runs r
      WHERE r.created_at = (SELECT MAX(created_at) FROM sync_runs x WHERE x.connection_id = r.connection_id AND x.mode = r.mode)`,
  );

  return {
    sessions: {
      get: (idHash: string) => sessionGet.get(idHash),
      create(p: { idHash: string; csrfToken: string; passwordFp: string; now: number; expiresAt: number }): void {
        sessionInsert.run(p.idHash, p.csrfToken, p.passwordFp, p.now, p.now, p.expiresAt);
      },
      touch(idHash: string, now: number, expiresAt: number): void {
        sessionTouch.run(now, expiresAt, idHash);
      },
      setFlash(idHash: string, flashJson: string | null): void {
        sessionFlash.run(flashJson, idHash);
      },
      delete(idHash: string): void {
        sessionDelete.run(idHash);
      },
      purgeExpired: (now: number) => sessionPurge.run(now).changes,
    },
    /** Audit rows whose contact email contains `term` (all recent rows when empty). */
    /** Newest first; `offset` rows skipped (the activity page's pages). */
    searchAudit(term: string, limit = 200, offset = 0): AuditSearchRow[] {
      const t = term.trim();
      return t ? auditByEmail.all(likePattern(t), limit, offset) : auditRecent.all(limit, offset);
    },
    creditsDaily: (since: number): CreditDayRow[] =>
      creditsDaily.all(since).map(({ day_n, ...r }) => ({ account_id: r.account_id, account: r.account, day: utcDayOf(day_n), requests: r.requests, found: r.found, cache_hits: r.cache_hits, credits: r.credits })),
    /** The latest run of each connection and mode (for the schedules page). */
    lastRuns: () => lastRuns.all(),
  };
}
export type AdminRepo = ReturnType<typeof createAdminRepo>;
