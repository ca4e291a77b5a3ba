// Per-contact memory of a connection: snapshots (what we last saw), written values (for `if_ours`), the audit
// log, and job changes with their task outbox.
import type { Db } from './open.js';
import { newId } from './ids.js';
import type { ContactRef, FieldValue, ObjectType } from '../../connectors/types.js';

export interface SnapshotRow {
  connection_id: string;
  object_type: ObjectType;
  contact_id: string;
  email: string | null;
  linkedin_url: string | null;
  company: string | null;
  title: string | null;
  seniority: string | null;
  provider: string | null;
  confidence: number | null;
  found: number;
  job_change_flagged_at: number | null;
  first_enriched_at: number;
  last_enriched_at: number;
}

export interface AuditRow {
  id: number;
  connection_id: string;
  object_type: string;
  contact_id: string;
  email: string | null;
  field: string;
  old_value: string | null;
  new_value: string | null;
  status: 'written' | 'failed';
  error: string | null;
  job_id: number | null;
  run_id: string | null;
  created_at: number;
}

export interface JobChangeRow {
  id: string;
  connection_id: string;
  object_type: ObjectType;
  contact_id: string;
  change_key: string;
  previous_company: string | null;
  previous_title: string | null;
  new_company: string | null;
  new_title: string | null;
  contact_name: string | null;
  owner_id: string | null;
  detected_at: number;
  task_state: 'pending' | 'creating' | 'created' | 'failed' | 'skipped';
  task_id: string | null;
  task_attempts: number;
  last_error: string | null;
  /** The run that found the change (null for a webhook or single-record job). */
  run_id: string | null;
  contact_email: string | null;
}

export function createContactsRepo(db: Db) {
  const snapshot = db.prepare<[string, string, string], SnapshotRow>(
    'SELECT * FROM contact_snapshots WHERE connection_id = ? AND object_type = ? AND contact_id = ?',
  );
  const upsertSnapshot = db.prepare(
    `INSERT INTO contact_snapshots (connection_id, object_type, contact_id, email, linkedin_url, company, title, seniority, provider, confidence,
       found, job_change_flagged_at, first_enriched_at, last_enriched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (connection_id, object_type, contact_id) DO UPDATE SET email = excluded.email, linkedin_url = excluded.linkedin_url,
       company = excluded.company, title = excluded.title, seniority = excluded.seniority, provider = excluded.provider,
       confidence = excluded.confidence, found = excluded.found, job_change_flagged_at = excluded.job_change_flagged_at,
       last_enriched_at = excluded.last_enriched_at`,
  );
  // Oldest check first: with a monitoring budget, the contacts not looked at for longest go before the budget ends.
  const due = db.prepare<[string, number, number, number, string, string, string, number], SnapshotRow>(
    `SELECT * FROM contact_snapshots WHERE connection_id = ? AND last_enriched_at < ?
        AND (last_enriched_at > ? OR (last_enriched_at = ? AND (object_type > ? OR (object_type = ? AND contact_id > ?))))
      ORDER BY last_enriched_at, object_type, contact_id LIMIT ?`,
  );
  const countDue = db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM contact_snapshots WHERE connection_id = ? AND last_enriched_at < ?');
  const written = db.prepare<[string, string, string], { field: string; value_json: string }>(
    'SELECT field, value_json FROM written_values WHERE connection_id = ? AND object_type = ? AND contact_id = ?',
  );
  const putWritten = db.prepare(
    `INSERT INTO written_values (connection_id, object_type, contact_id, field, value_json, written_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (connection_id, object_type, contact_id, field) DO UPDATE SET value_json = excluded.value_json, written_at = excluded.written_at`,
  );
  const audit = db.prepare(
    `INSERT INTO audit_log (connection_id, object_type, contact_id, email, field, old_value, new_value, status, error, job_id, run_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertChange = db.prepare(
    `INSERT INTO job_changes (id, connection_id, object_type, contact_id, change_key, previous_company, previous_title, new_company, new_title,
       contact_name, owner_id, detected_at, task_state, run_id, contact_email)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const runContact = db.prepare(
    `INSERT INTO run_contacts (run_id, object_type, contact_id, email, outcome, reason, credits, job_change, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, object_type, contact_id) DO UPDATE SET email = excluded.email, outcome = excluded.outcome, reason = excluded.reason,
       credits = excluded.credits, job_change = excluded.job_change, at = excluded.at`,
  );
  const pendingChanges = db.prepare<[string, number], JobChangeRow>(
    `SELECT * FROM job_changes WHERE connection_id = ? AND task_state IN ('pending', 'creating') ORDER BY detected_at LIMIT ?`,
  );
  const setTask = db.prepare(
    'UPDATE job_changes SET task_state = ?, task_id = COALESCE(?, task_id), task_attempts = task_attempts + ?, last_error = ? WHERE id = ?',
  );

  const toJson = (v: FieldValue) => JSON.stringify(v);
  const text = (v: FieldValue | undefined) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));

  return {
    snapshot: (connectionId: string, ref: ContactRef) => snapshot.get(connectionId, ref.objectType, ref.id),
    upsertSnapshot(s: Omit<SnapshotRow, 'first_enriched_at' | 'last_enriched_at'> & { at: number }): void {
      upsertSnapshot.run(
        s.connection_id, s.object_type, s.contact_id, s.email, s.linkedin_url, s.company, s.title, s.seniority, s.provider, s.confidence, s.found,
        s.job_change_flagged_at, s.at, s.at,
      );
    },
    /** Snapshots enriched before `olderThan`, oldest first (then object type, id), after the cursor. */
    dueSnapshots(connectionId: string, olderThan: number, after: { at?: number | undefined; objectType: string; id: string } | null, limit: number): SnapshotRow[] {
      const at = after?.at ?? -1;
      const ot = after?.objectType ?? '';
      return due.all(connectionId, olderThan, at, at, ot, ot, after?.id ?? '', limit);
    },
    countDue: (connectionId: string, olderThan: number) => countDue.get(connectionId, olderThan)!.n,
    writtenValues(connectionId: string, ref: ContactRef): Record<string, FieldValue> {
      const out: Record<string, FieldValue> = {};
      for (const r of written.all(connectionId, ref.objectType, ref.id)) out[r.field] = JSON.parse(r.value_json) as FieldValue;
      return out;
    },
    recordWrites(p: {
      connectionId: string;
      ref: ContactRef;
      email: string | null;
      changes: { field: string; old: FieldValue; new: FieldValue }[];
      status: 'written' | 'failed';
      error?: string;
      jobId: number | null;
      runId: string | null;
      at: number;
    }): void {
      for (const c of p.changes) {
        audit.run(p.connectionId, p.ref.objectType, p.ref.id, p.email, c.field, text(c.old), text(c.new), p.status, p.error ?? null, p.jobId, p.runId, p.at);
        if (p.status === 'written') putWritten.run(p.connectionId, p.ref.objectType, p.ref.id, c.field, toJson(c.new), p.at);
      }
    },
    addJobChange(c: Omit<JobChangeRow, 'id' | 'task_id' | 'task_attempts' | 'last_error' | 'run_id'> & { run_id?: string | null }): boolean {
      return (
        insertChange.run(
          newId('jc'), c.connection_id, c.object_type, c.contact_id, c.change_key, c.previous_company, c.previous_title, c.new_company, c.new_title,
          c.contact_name, c.owner_id, c.detected_at, c.task_state, c.run_id ?? null, c.contact_email,
        ).changes > 0
      );
    },
    /** Each contact's outcome in a run (a page done again after a crash replaces its rows). */
    recordRunContacts(
      runId: string,
      rows: { ref: ContactRef; email: string | null; status: string; reason?: string | undefined; credits: number; jobChange: boolean }[],
      at: number,
    ): void {
      for (const r of rows) runContact.run(runId, r.ref.objectType, r.ref.id, r.email, r.status, r.reason ?? null, r.credits, r.jobChange ? 1 : 0, at);
    },
    pendingJobChanges: (connectionId: string, limit = 50) => pendingChanges.all(connectionId, limit),
    setTaskState(id: string, state: JobChangeRow['task_state'], p: { taskId?: string; attempt?: boolean; error?: string | null } = {}): void {
      setTask.run(state, p.taskId ?? null, p.attempt ? 1 : 0, p.error ?? null, id);
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
  };
}
export type ContactsRepo = ReturnType<typeof createContactsRepo>;
