// Read models of recorded job changes: the inbox (filtered by connection, run and detection time, paginated), one
// run's changes (its alert) and one contact's changes (the contact view). Writes stay in contacts.repo.ts, in the
// transaction that records a batch.
import type { Db } from './open.js';
import type { JobChangeRow } from './contacts.repo.js';
import type { CrmKind } from '../../connectors/types.js';

export interface InboxFilter {
  connectionId?: string | undefined;
  runId?: string | undefined;
  /** Detected at or after (epoch ms). */
  from?: number | undefined;
  /** Detected before (epoch ms). */
  to?: number | undefined;
}

export interface InboxRow extends JobChangeRow {
  crm: CrmKind;
  external_id: string;
}

// Each filter is bound twice (`? IS NULL OR col = ?`); the casts give PostgreSQL the type of a parameter that is
// only tested for NULL.
const WHERE = `WHERE (CAST(? AS TEXT) IS NULL OR j.connection_id = ?)
    AND (CAST(? AS TEXT) IS NULL OR j.run_id = ?)
    AND (CAST(? AS BIGINT) IS NULL OR j.detected_at >= ?)
    AND (CAST(? AS BIGINT) IS NULL OR j.detected_at < ?)`;

export function createJobChangesRepo(db: Db) {
  const list = db.prepare<unknown[], InboxRow>(
    `SELECT j.*, c.crm, c.external_id FROM job_changes j JOIN connections c ON c.id = j.connection_id ${WHERE}
      ORDER BY j.detected_at DESC, j.id LIMIT ? OFFSET ?`,
  );
  const count = db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM job_changes j ${WHERE}`);
  const forRun = db.prepare<[string, number], JobChangeRow>('SELECT * FROM job_changes WHERE run_id = ? ORDER BY detected_at, id LIMIT ?');
  const countRun = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM job_changes WHERE run_id = ?');
  const forContact = db.prepare<[string, string, string], JobChangeRow>(
    'SELECT * FROM job_changes WHERE connection_id = ? AND object_type = ? AND contact_id = ? ORDER BY detected_at DESC',
  );

  const params = (f: InboxFilter) => [f.connectionId, f.runId, f.from, f.to].flatMap((v) => [v ?? null, v ?? null]);

  return {
    list: (f: InboxFilter, page: { limit: number; offset: number }) => list.all(...params(f), page.limit, page.offset),
    count: (f: InboxFilter) => count.get(...params(f))!.n,
    /** A run's changes, oldest first (an alert lists at most `limit`; countForRun says how many there are). */
    forRun: (runId: string, limit = 1000) => forRun.all(runId, limit),
    countForRun: (runId: string) => countRun.get(runId)!.n,
    forContact: (connectionId: string, objectType: string, contactId: string) => forContact.all(connectionId, objectType, contactId),
  };
}
export type JobChangesRepo = ReturnType<typeof createJobChangesRepo>;
