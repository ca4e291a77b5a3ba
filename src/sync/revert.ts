// Undo a run: every field the run wrote goes back to the value it had before — but only where the field still
// holds the value we wrote (read first); a value a person or another tool changed since is kept and reported.
// Writes go through the session's batch write, like any sync. Optionally the job-change tasks the run created are
// deleted, unless someone completed them. Idempotent: fields and tasks a revert already handled are skipped.
import type { ContactRef, CrmContact, FieldDef, FieldValue, ObjectType } from '../../connectors/types.js';
import type { AuditRow } from '../db/contacts.repo.js';
import type { RevertedField, RunHistoryRepo, RunJobChangeRow } from '../db/run-history.repo.js';
import type { RunRow, SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ContextRegistry } from './context.js';
import { sameValue } from './mapping.js';
import { taskMarker } from './tasks.js';

export type FieldOutcome = 'reverted' | 'kept' | 'failed';

export interface FieldReport {
  objectType: ObjectType;
  contactId: string;
  email: string | null;
  field: string;
  /** What the run wrote, what was there before (and is put back), what the CRM holds now (text, null = empty). */
  ours: string | null;
  before: string | null;
  current: string | null;
  outcome: FieldOutcome;
  /** Why a field is kept or failed: changed_since, record_deleted, field_missing, or the CRM's error. */
  reason?: string;
}

export interface TaskReport {
  taskId: string;
  objectType: string;
  contactId: string;
  /** `cancelled`: the task was still waiting in the outbox (not in the CRM yet) and will not be created. */
  outcome: 'removed' | 'kept_completed' | 'gone' | 'failed' | 'cancelled';
  reason?: string;
}

export interface RevertReport {
  runId: string;
  connectionId: string;
  dryRun: boolean;
  /** Fields (a dry run: fields that would be). */
  reverted: number;
  kept: number;
  failed: number;
  tasks_removed: number;
  fields: FieldReport[];
  tasks: TaskReport[];
}

export class RevertError extends Error {
  constructor(
    readonly code: 'not_found' | 'not_finished' | 'not_connected' | 'busy',
    message: string,
  ) {
    super(message);
    this.name = 'RevertError';
  }
}

export interface RevertDeps {
  runs: SyncRunsRepo;
  history: RunHistoryRepo;
  connections: ConnectionsRepo;
  registry: Pick<ContextRegistry, 'get'>;
  clock: Clock;
  log: Logger;
}

interface Planned {
  ref: ContactRef;
  email: string | null;
  field: string;
  ours: string | null;
  before: string | null;
  /** The audit row of the run's first write of this field (what we owned before is looked up from it). */
  firstAuditId: number;
}

/** A value as the audit log keeps it (text; numbers and booleans as JSON), in the field's logical form. */
function fromAudit(def: FieldDef, text: string | null): FieldValue {
  if (text === null) return null;
  if (def.type === 'number') return Number.isFinite(Number(text)) ? Number(text) : text;
  if (def.type === 'bool') return text === 'true';
  return text;
}

function toText(v: FieldValue | undefined): string | null {
  return v === null || v === undefined || v === '' ? null : typeof v === 'string' ? v : JSON.stringify(v);
}

export function createRevertService(deps: RevertDeps) {
  const { history, clock } = deps;

  /** The run's writes not yet reverted: per contact field, the first old value and the last value we wrote. */
  function plan(run: RunRow): Planned[] {
    const done = history.revertedKeys(run.id);
    const byKey = new Map<string, Planned>();
    for (const row of history.writesOfRun(run.id) as AuditRow[]) {
      const key = `${row.object_type}:${row.contact_id}:${row.field}`;
      if (done.has(key)) continue;
      const hit = byKey.get(key);
      if (hit) hit.ours = row.new_value;
      else {
        byKey.set(key, {
          ref: { objectType: row.object_type as ObjectType, id: row.contact_id },
          email: row.email,
          field: row.field,
          ours: row.new_value,
          before: row.old_value,
          firstAuditId: row.id,
        });
      }
    }
    return [...byKey.values()];
  }

  function finishedRun(runId: string): RunRow {
    const run = deps.runs.get(runId);
    if (!run) throw new RevertError('not_found', `no run "${runId}"`);
    if (run.state !== 'succeeded' && run.state !== 'failed') throw new RevertError('not_finished', `run ${runId} is ${run.state}; revert it once it has finished`);
    const conn = deps.connections.get(run.connection_id);
    if (!conn || conn.status !== 'connected') throw new RevertError('not_connected', `the run's connection is ${conn ? conn.status.replace('_', ' ') : 'deleted'}`);
    // A run writing at the same time could change a field between our read and our write.
    const busy = (['new', 'backfill', 'job-changes'] as const).map((m) => deps.runs.active(run.connection_id, m)).find((r) => r !== undefined);
    if (busy) throw new RevertError('busy', `a ${busy.mode} run of this connection is ${busy.state}; revert once it has finished`);
    return run;
  }

  async function revert(runId: string, opts: { tasks?: boolean; dryRun?: boolean } = {}): Promise<RevertReport> {
    const run = finishedRun(runId);
    const dryRun = opts.dryRun === true;
    const ctx = deps.registry.get(run.connection_id);
    const report: RevertReport = { runId, connectionId: run.connection_id, dryRun, reverted: 0, kept: 0, failed: 0, tasks_removed: 0, fields: [], tasks: [] };
    const planned = plan(run);

    const byType = new Map<ObjectType, Planned[]>();
    for (const p of planned) {
      const list = byType.get(p.ref.objectType) ?? [];
      list.push(p);
      byType.set(p.ref.objectType, list);
    }
    for (const [objectType, items] of byType) {
      const defs = await ctx.fields(objectType);
      // Read first: only fields still holding our value are put back.
      const current = new Map<string, CrmContact>(
        (await ctx.session.read(objectType, [...new Set(items.map((p) => p.ref.id))], [...new Set(items.map((p) => p.field))])).map((c) => [c.id, c]),
      );
      const toWrite = new Map<string, { ref: ContactRef; values: Record<string, FieldValue>; fields: { f: FieldReport; p: Planned }[] }>();
      for (const p of items) {
        const def = defs.get(p.field);
        const contact = current.get(p.ref.id);
        const base = { objectType, contactId: p.ref.id, email: p.email, field: p.field, ours: p.ours, before: p.before };
        if (!contact) {
          report.fields.push({ ...base, current: null, outcome: 'kept', reason: 'record_deleted' });
          continue;
        }
        const now = contact.values[p.field];
        if (!def || now === undefined) {
          report.fields.push({ ...base, current: null, outcome: 'failed', reason: 'field_missing' });
          continue;
        }
        if (!sameValue(def, now, fromAudit(def, p.ours))) {
          report.fields.push({ ...base, current: toText(now), outcome: 'kept', reason: 'changed_since' });
          continue;
        }
        const f: FieldReport = { ...base, current: toText(now), outcome: 'reverted' };
        report.fields.push(f);
        const w = toWrite.get(p.ref.id) ?? { ref: p.ref, values: {}, fields: [] };
        w.values[p.field] = fromAudit(def, p.before);
        w.fields.push({ f, p });
        toWrite.set(p.ref.id, w);
      }
      if (dryRun || toWrite.size === 0) continue;

      const requests = [...toWrite.values()];
      const outcomes = await ctx.session.write(objectType, requests.map((r) => ({ ref: r.ref, values: r.values })));
      const audit: RevertedField[] = [];
      requests.forEach((r, i) => {
        const o = outcomes[i];
        for (const { f, p } of r.fields) {
          if (!o?.ok) {
            f.outcome = 'failed';
            f.reason = o ? `${o.code}: ${o.message}` : 'no result';
          }
          const previous = deps.history.lastWriteBefore(run.connection_id, objectType, f.contactId, f.field, p.firstAuditId);
          audit.push({
            objectType,
            contactId: f.contactId,
            email: f.email,
            field: f.field,
            ours: f.ours,
            restored: f.before,
            status: f.outcome === 'reverted' ? 'written' : 'failed',
            error: f.outcome === 'reverted' ? null : (f.reason ?? null),
            // What we own now is what our last write before this run left there, if anything.
            owned: previous === undefined ? undefined : fromAudit(defs.get(f.field)!, previous),
          });
        }
      });
      history.recordRevert(run.connection_id, run.id, audit, clock.now());
    }

    if (opts.tasks) await removeTasks(run, ctx, report, dryRun);
    for (const f of report.fields) report[f.outcome]++;
    report.tasks_removed = report.tasks.filter((t) => t.outcome === 'removed').length;
    if (!dryRun) deps.log.info({ run: run.id, connection: run.connection_id, reverted: report.reverted, kept: report.kept, failed: report.failed, tasks_removed: report.tasks_removed }, 'run reverted');
    return report;
  }

  async function removeTasks(run: RunRow, ctx: ReturnType<ContextRegistry['get']>, report: RevertReport, dryRun: boolean): Promise<void> {
    const changes: (RunJobChangeRow & { task_id: string })[] = [];
    for (const c of history.jobChangesOfRun(run.id)) {
      if (c.task_state === 'created' && c.task_id) {
        changes.push({ ...c, task_id: c.task_id });
        continue;
      }
      if (c.task_state !== 'pending' && c.task_state !== 'creating') continue;
      // Still in the outbox: it would create the task after the revert. A `creating` one may have reached the CRM
      // before a crash; its marker finds it.
      const found = c.task_state === 'creating' ? await ctx.session.findTask({ objectType: c.object_type as ObjectType, id: c.contact_id }, taskMarker(c)) : null;
      if (found) changes.push({ ...c, task_id: found });
      else {
        if (!dryRun) history.markTaskRemoved(c.id, `task cancelled by the revert of ${run.id}`);
        report.tasks.push({ taskId: '', objectType: c.object_type, contactId: c.contact_id, outcome: 'cancelled' });
      }
    }
    if (changes.length === 0) return;
    const states = new Map((await ctx.session.taskStates(changes.map((c) => c.task_id))).map((s) => [s.id, s]));
    const doomed: typeof changes = [];
    for (const c of changes) {
      const s = states.get(c.task_id);
      const base = { taskId: c.task_id, objectType: c.object_type, contactId: c.contact_id };
      if (!s) report.tasks.push({ ...base, outcome: 'gone', reason: 'deleted in the CRM already' });
      else if (s.completed) report.tasks.push({ ...base, outcome: 'kept_completed', reason: 'completed by someone' });
      else doomed.push(c);
    }
    if (dryRun) {
      for (const c of doomed) report.tasks.push({ taskId: c.task_id, objectType: c.object_type, contactId: c.contact_id, outcome: 'removed' });
      return;
    }
    const results = doomed.length > 0 ? await ctx.session.deleteTasks(doomed.map((c) => c.task_id)) : [];
    doomed.forEach((c, i) => {
      const r = results[i];
      const base = { taskId: c.task_id, objectType: c.object_type, contactId: c.contact_id };
      if (r?.ok) {
        history.markTaskRemoved(c.id, `task removed by the revert of ${run.id}`);
        report.tasks.push({ ...base, outcome: 'removed' });
      } else report.tasks.push({ ...base, outcome: 'failed', reason: r?.message ?? 'no result' });
    });
  }

  return {
    revert,
    /** What a revert would do now (reads the CRM, writes nothing). */
    preview: (runId: string, opts: { tasks?: boolean } = {}) => revert(runId, { ...opts, dryRun: true }),
  };
}
export type RevertService = ReturnType<typeof createRevertService>;
