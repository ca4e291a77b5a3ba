// Job-change alerts: where each connection's alerts go (the URL encrypted: a Slack incoming-webhook URL is a
// credential) and one delivery record per run, so an alert is posted once however often its job runs.
import type { Db } from './open.js';
import type { Cipher } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';

export type AlertFormat = 'slack' | 'json';

export interface AlertTarget {
  url: string;
  /** What the page shows: scheme, host and the start of the path, never the whole secret URL. */
  hint: string;
  format: AlertFormat;
  updated_at: number;
}

export interface RunAlertRow {
  run_id: string;
  connection_id: string;
  state: 'pending' | 'delivered' | 'failed';
  changes: number;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** The URL as the page may show it: https://hooks.slack.com/services/T0… */
export function urlHint(url: string): string {
  const u = new URL(url);
  const path = u.pathname.length > 12 ? `${u.pathname.slice(0, 12)}…` : u.pathname;
  return `${u.protocol}//${u.host}${path}`;
}

export function createAlertsRepo(db: Db, cipher: Cipher, clock: Clock) {
  const target = db.prepare<[string], { url_enc: string; url_hint: string; format: AlertFormat; updated_at: number }>(
    'SELECT url_enc, url_hint, format, updated_at FROM connection_alerts WHERE connection_id = ?',
  );
  const putTarget = db.prepare(
    `INSERT INTO connection_alerts (connection_id, url_enc, url_hint, format, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (connection_id) DO UPDATE SET url_enc = excluded.url_enc, url_hint = excluded.url_hint, format = excluded.format,
       updated_at = excluded.updated_at`,
  );
  const delTarget = db.prepare('DELETE FROM connection_alerts WHERE connection_id = ?');
  const hasTarget = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM connection_alerts WHERE connection_id = ?');
  const insertRun = db.prepare(
    `INSERT INTO run_alerts (run_id, connection_id, state, changes, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?)
     ON CONFLICT (run_id) DO NOTHING`,
  );
  const getRun = db.prepare<[string], RunAlertRow>('SELECT * FROM run_alerts WHERE run_id = ?');
  const attempt = db.prepare(
    `UPDATE run_alerts SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?, updated_at = ?,
       delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE run_id = ?`,
  );
  const latest = db.prepare<[string], RunAlertRow>('SELECT * FROM run_alerts WHERE connection_id = ? ORDER BY updated_at DESC, created_at DESC LIMIT 1');

  return {
    target(connectionId: string): AlertTarget | null {
      const row = target.get(connectionId);
      return row ? { url: cipher.decrypt(row.url_enc), hint: row.url_hint, format: row.format, updated_at: row.updated_at } : null;
    },
    /** Whether alerts are on, without decrypting anything (asked in the transaction that finishes a run). */
    hasTarget: (connectionId: string) => hasTarget.get(connectionId)!.n > 0,
    setTarget(connectionId: string, url: string, format: AlertFormat): void {
      putTarget.run(connectionId, cipher.encrypt(url), urlHint(url), format, clock.now());
    },
    removeTarget(connectionId: string): boolean {
      return delTarget.run(connectionId).changes > 0;
    },
    /** Records that a run has an alert to deliver; false when it already had one. */
    createRunAlert(runId: string, connectionId: string, changes: number): boolean {
      const now = clock.now();
      return insertRun.run(runId, connectionId, changes, now, now).changes > 0;
    },
    runAlert: (runId: string) => getRun.get(runId),
    recordAttempt(runId: string, state: RunAlertRow['state'], p: { status: number | null; error: string | null }): void {
      const now = clock.now();
      attempt.run(state, p.status, p.error, now, state, now, runId);
    },
    /** The connection's most recent alert (the connection page shows its outcome). */
    latest: (connectionId: string) => latest.get(connectionId),
  };
}
export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
