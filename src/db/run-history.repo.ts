// What one sync run did, read back: each contact's outcome (run_contacts), the fields it wrote (audit_log rows of
// the run), the job changes and tasks it created — and the bookkeeping of a revert of that run.
import type { Db } from './open.js';
import type { AuditRow } from './contacts.repo.js';
import type { FieldValue } from '../../connectors/types.js';

export type RunContactOutcome = 'written' | 'unchanged' | 'skipped' | 'not_found' | 'failed';

export interface RunContactRow {
  run_id: string;
  object_type: string;
  contact_id: string;
  email: string | null;
  outcome: RunContactOutcome;
  reason: string | null;
  credits: number;
  job_change: number;
  at: number;
}

export interface RunJobChangeRow {
  id: string;
  object_type: string;
  contact_id: string;
  task_id: string | null;
  task_state: string;
}

export interface RevertedField {
  objectType: string;
  contactId: string;
  email: string | null;
  field: string;
  /** Text as the audit log keeps it: what the run wrote (now replaced) and what was put back. */
  ours: string | null;
  restored: string | null;
  status: 'written' | 'failed';
  error: string | null;
  /** The value we own after the revert (for `if_ours`), or undefined when we own none. */
  owned: FieldValue | undefined;
}

export function createRunHistoryRepo(db: Db) {
  const writes = db.prepare<[string], AuditRow>(
    `SELECT * FROM audit_log WHERE run_id = ? AND action = 'write' AND status = 'written' ORDER BY id`,
  );
  const reverted = db.prepare<[string], { object_type: string; contact_id: string; field: string }>(
    `SELECT object_type, contact_id, field FROM audit_log WHERE run_id = ? AND action = 'revert' AND status = 'written'`,
  );
  const lastWriteBefore = db.prepare<[string, string, string, string, number], { new_value: string | null }>(
    `SELECT new_value FROM audit_log WHERE connection_id = ? AND object_type = ? AND contact_id = ? AND field = ?
        AND action = 'write' AND status = 'written' AND id < ? ORDER BY id DESC LIMIT 1`,
  );
  const insertRevert = db.prepare(
    `INSERT INTO audit_log (connection_id, object_type, contact_id, email, field, old_value, new_value, status, error, job_id, run_id, created_at, action)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 'revert')`,
  );
  const putWritten = db.prepare(
    `INSERT INTO written_values (connection_id, object_type, contact_id, field, value_json, written_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (connection_id, object_type, contact_id, field) DO UPDATE SET value_json = excluded.value_json, written_at = excluded.written_at`,
  );
  const dropWritten = db.prepare('DELETE FROM written_values WHERE connection_id = ? AND object_type = ? AND contact_id = ? AND field = ?');
  const changes = db.prepare<[string], RunJobChangeRow>(
    `SELECT id, object_type, contact_id, task_id, task_state FROM job_changes WHERE run_id = ? ORDER BY detected_at, id`,
  );
  const taskDone = db.prepare(`UPDATE job_changes SET task_state = 'skipped', last_error = ? WHERE id = ? AND task_state IN ('pending', 'creating', 'created')`);
  const outcomeCounts = db.prepare<[string], { outcome: RunContactOutcome; reason: string | null; n: number }>(
    `SELECT outcome, reason, COUNT(*) AS n FROM run_contacts WHERE run_id = ? GROUP BY outcome, reason ORDER BY outcome, n DESC`,
  );
  const contactsOf = db.prepare<[string, string, number], RunContactRow>(
    `SELECT * FROM run_contacts WHERE run_id = ? AND outcome = ? ORDER BY object_type, contact_id LIMIT ?`,
  );

  return {
    /** Every field the run wrote, oldest first (a field written twice by a redone page appears twice). */
    writesOfRun: (runId: string) => writes.all(runId),
    /** `objectType:contactId:field` of each field a revert of the run already put back. */
    revertedKeys(runId: string): Set<string> {
      return new Set(reverted.all(runId).map((r) => `${r.object_type}:${r.contact_id}:${r.field}`));
    },
    /** The value our last write before audit row `beforeId` left in the field (text), or undefined if none. */
    lastWriteBefore(connectionId: string, objectType: string, contactId: string, field: string, beforeId: number): string | null | undefined {
      const row = lastWriteBefore.get(connectionId, objectType, contactId, field, beforeId);
      return row ? row.new_value : undefined;
    },
    /** The revert's audit rows and, for fields put back, the value we own from now on — in one transaction. */
    recordRevert(connectionId: string, runId: string, fields: RevertedField[], at: number): void {
      db.transaction(() => {
        for (const f of fields) {
          insertRevert.run(connectionId, f.objectType, f.contactId, f.email, f.field, f.ours, f.restored, f.status, f.error, runId, at);
          if (f.status !== 'written') continue;
          if (f.owned === undefined) dropWritten.run(connectionId, f.objectType, f.contactId, f.field);
          else putWritten.run(connectionId, f.objectType, f.contactId, f.field, JSON.stringify(f.owned), at);
        }
      }).immediate();
    },
    jobChangesOfRun: (runId: string) => changes.all(runId),
    /**
     * The change's task was deleted by a revert, or (not in the CRM yet) will never be created: the outbox skips it
     * and a second revert does not handle it again.
     */
    markTaskRemoved(changeId: string, note: string): void {
      taskDone.run(note, changeId);
    },
    /** Contacts per outcome and reason. */
    outcomeCounts: (runId: string) => outcomeCounts.all(runId),
    contacts: (runId: string, outcome: RunContactOutcome, limit = 200) => contactsOf.all(runId, outcome, limit),
  };
}
export type RunHistoryRepo = ReturnType<typeof createRunHistoryRepo>;
