// Read models of the contact view: which CRM records a search names (by email, LinkedIn URL or CRM id), and for one
// record everything this service did to it — field writes (audit), credits charged (ledger), runs.
import type { Db } from './open.js';
import type { AuditRow, SnapshotRow } from './contacts.repo.js';
import type { CrmKind } from '../../connectors/types.js';

export interface FoundRecord extends SnapshotRow {
  crm: CrmKind;
  external_id: string;
}

export interface ChargeRow {
  created_at: number;
  outcome: string;
  found: number;
  cache_hit: number;
  provider: string | null;
  credits: number;
  /** The idempotency key, or the attempt key of an uncharged attempt: it names the run or job. */
  key: string | null;
}

export interface RunRef {
  id: string;
  mode: string;
  trigger: string;
  state: string;
  created_at: number;
  finished_at: number | null;
}

/** The run id inside a ledger key (`run:<id>:<type>:<record>`), or null for a job's key. */
export function runIdOfKey(key: string | null): string | null {
  const m = key ? /^run:([^:]+):/.exec(key) : null;
  return m ? m[1]! : null;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const LIMIT = 500;

export function createContactHistoryRepo(db: Db) {
  const COLS = 's.*, c.crm, c.external_id';
  const FROM = 'FROM contact_snapshots s JOIN connections c ON c.id = s.connection_id';
  const byEmail = db.prepare<[string], FoundRecord>(`SELECT ${COLS} ${FROM} WHERE lower(s.email) = lower(?) ORDER BY s.last_enriched_at DESC LIMIT 20`);
  const byLinkedIn = db.prepare<[string], FoundRecord>(`SELECT ${COLS} ${FROM} WHERE s.linkedin_url = ? ORDER BY s.last_enriched_at DESC LIMIT 20`);
  const byId = db.prepare<[string], FoundRecord>(`SELECT ${COLS} ${FROM} WHERE s.contact_id = ? ORDER BY s.last_enriched_at DESC LIMIT 20`);
  const audit = db.prepare<[string, string, string, number], AuditRow>(
    'SELECT * FROM audit_log WHERE connection_id = ? AND object_type = ? AND contact_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const charges = db.prepare<[string, string, string, number], ChargeRow>(
    `SELECT created_at, outcome, found, cache_hit, provider, credits, COALESCE(idempotency_key, attempt_key) AS key FROM credit_ledger
      WHERE connection_id = ? AND (lower(idempotency_key) LIKE lower(?) ESCAPE '\\' OR lower(attempt_key) LIKE lower(?) ESCAPE '\\')
      ORDER BY created_at DESC, id DESC LIMIT ?`,
  );
  const run = db.prepare<[string], RunRef>('SELECT id, mode, trigger, state, created_at, finished_at FROM sync_runs WHERE id = ?');

  return {
    find(q: { email?: string | undefined; linkedinUrl?: string | undefined; id?: string | undefined }): FoundRecord[] {
      if (q.email) return byEmail.all(q.email);
      if (q.linkedinUrl) return byLinkedIn.all(q.linkedinUrl);
      if (q.id) return byId.all(q.id);
      return [];
    },
    audit: (connectionId: string, objectType: string, contactId: string) => audit.all(connectionId, objectType, contactId, LIMIT),
    charges(connectionId: string, objectType: string, contactId: string): ChargeRow[] {
      const pattern = `%:${likeEscape(objectType)}:${likeEscape(contactId)}`;
      return charges.all(connectionId, pattern, pattern, LIMIT);
    },
    runs(ids: Iterable<string>): RunRef[] {
      return [...new Set(ids)].flatMap((id) => run.get(id) ?? []).sort((a, b) => b.created_at - a.created_at);
    },
  };
}
export type ContactHistoryRepo = ReturnType<typeof createContactHistoryRepo>;
