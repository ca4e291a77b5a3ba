// Sync runs (with their checkpoint, so a restart resumes), per-connection sync state (high-water marks) and
// schedules.
import type { Db } from './open.js';
import { newId } from './ids.js';

export type SyncMode = 'new' | 'backfill' | 'job-changes';
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface RunCounts {
  checked: number;
  /** Looked up at a provider (found or not). */
  enriched: number;
  /** Looked up and found (0 on runs recorded before this count existed). */
  found: number;
  written: number;
  changed: number;
  tasks: number;
  credits: number;
  errors: number;
  skipped: number;
  /** Skipped by the guarantees (each is also in `skipped`): a profile naming someone else, a role or throwaway mailbox. */
  name_mismatch: number;
  role_mailbox: number;
  disposable_email: number;
}

/** The skip reasons a run counts on their own. */
export const GUARD_REASONS = ['name_mismatch', 'role_mailbox', 'disposable_email'] as const;

export const emptyCounts = (): RunCounts => ({
  checked: 0, enriched: 0, found: 0, written: 0, changed: 0, tasks: 0, credits: 0, errors: 0, skipped: 0, name_mismatch: 0, role_mailbox: 0, disposable_email: 0,
});

/** A run as the code sees it: its JSON columns parsed once, in runFromRow. */
export interface RunRow {
  id: string;
  connection_id: string;
  mode: SyncMode;
  trigger: string;
  state: RunState;
  /** Where a started run resumes (the run service validates its shape); null until the first page is saved. */
  checkpoint: unknown;
  total: number | null;
  /** Every count present (0 when the stored JSON lacks it). */
  counts: RunCounts;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** The provider whose rate limit the run is waiting for, and until when (epoch ms); null while it runs freely. */
  waiting_provider: string | null;
  waiting_until: number | null;
  /** Why a run ended early though it succeeded ("stopped at the monthly monitoring budget …"); null otherwise. */
  note: string | null;
  /** Every wait for a provider's rate limit, oldest first (kept after the run: the run view lists them). */
  waits: ProviderWait[];
}

/** One wait of a run for a provider's rate limit: from when, until when it was told to resume (epoch ms). */
export interface ProviderWait {
  provider: string;
  from: number;
  until: number;
}

/** A run keeps this many waits (the latest); a run throttled all night must not grow its row without bound. */
export const MAX_RUN_WAITS = 200;

type StoredRun = Omit<RunRow, 'checkpoint' | 'counts' | 'waits'> & { checkpoint_json: string | null; counts_json: string; waits_json: string | null };

/** The one place a sync_runs row becomes a RunRow (both JSON columns are written only by this repository). */
export function runFromRow(row: StoredRun): RunRow {
  const { checkpoint_json, counts_json, waits_json, ...rest } = row;
  const counts = JSON.parse(counts_json) as Partial<RunCounts> | null;
  const waits = waits_json ? (JSON.parse(waits_json) as ProviderWait[]) : [];
  return { ...rest, checkpoint: checkpoint_json === null ? null : (JSON.parse(checkpoint_json) as unknown), counts: { ...emptyCounts(), ...counts }, waits };
}

export interface ScheduleRow {
  connection_id: string;
  mode: SyncMode;
  cron: string;
  enabled: number;
  updated_at: number;
}

export function createSyncRunsRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO sync_runs (id, connection_id, mode, trigger, state, counts_json, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
  );
  const get = db.prepare<[string], StoredRun>('SELECT * FROM sync_runs WHERE id = ?');
  const active = db.prepare<[string, string], StoredRun>(
    `SELECT * FROM sync_runs WHERE connection_id = ? AND mode = ? AND state IN ('queued', 'running') ORDER BY created_at LIMIT 1`,
  );
  const recent = db.prepare<[string, number], StoredRun>('SELECT * FROM sync_runs WHERE connection_id = ? ORDER BY created_at DESC LIMIT ?');
  const start = db.prepare(`UPDATE sync_runs SET state = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?`);
  const progress = db.prepare('UPDATE sync_runs SET checkpoint_json = ?, counts_json = ?, total = COALESCE(?, total) WHERE id = ?');
  // The JSON columns are read and written in TypeScript (portable SQL: no json_extract / json_set).
  const countsOf = db.prepare<[string], { counts_json: string }>('SELECT counts_json FROM sync_runs WHERE id = ?');
  const saveCounts = db.prepare('UPDATE sync_runs SET counts_json = ? WHERE id = ?');
  const finish = db.prepare('UPDATE sync_runs SET state = ?, error = ?, finished_at = ?, waiting_provider = NULL, waiting_until = NULL WHERE id = ?');
  const setNote = db.prepare('UPDATE sync_runs SET note = ? WHERE id = ?');
  const modeCounts = db.prepare<[string, string, number], { counts_json: string }>(
    'SELECT counts_json FROM sync_runs WHERE connection_id = ? AND mode = ? AND created_at >= ?',
  );
  const waiting = db.prepare('UPDATE sync_runs SET waiting_provider = ?, waiting_until = ? WHERE id = ?');
  const waitsOf = db.prepare<[string], { waits_json: string | null }>('SELECT waits_json FROM sync_runs WHERE id = ?');
  const saveWaits = db.prepare('UPDATE sync_runs SET waits_json = ? WHERE id = ?');
  const getState = db.prepare<[string, string], { value: string }>('SELECT value FROM sync_state WHERE connection_id = ? AND key = ?');
  const putState = db.prepare(
    'INSERT INTO sync_state (connection_id, key, value) VALUES (?, ?, ?) ON CONFLICT (connection_id, key) DO UPDATE SET value = excluded.value',
  );
  const schedules = db.prepare<[], ScheduleRow>('SELECT * FROM schedules ORDER BY connection_id, mode');
  const schedulesOf = db.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE connection_id = ? ORDER BY mode');
  const putSchedule = db.prepare(
    `INSERT INTO schedules (connection_id, mode, cron, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (connection_id, mode) DO UPDATE SET cron = excluded.cron, enabled = excluded.enabled, updated_at = excluded.updated_at`,
  );
  const claimFiring = db.prepare(
    'INSERT INTO schedule_firings (connection_id, mode, minute_at, fired_at) VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, mode, minute_at) DO NOTHING',
  );
  const firingRun = db.prepare('UPDATE schedule_firings SET run_id = ? WHERE connection_id = ? AND mode = ? AND minute_at = ?');
  const pruneFirings = db.prepare('DELETE FROM schedule_firings WHERE minute_at < ?');
  const schedulesVersion = db.prepare<[], { v: string }>(`SELECT COALESCE(MAX(updated_at), 0) || ':' || COUNT(*) AS v FROM schedules`);

  return {
    create(connectionId: string, mode: SyncMode, trigger: string, now: number): RunRow {
      const id = newId('run');
      insert.run(id, connectionId, mode, trigger, JSON.stringify(emptyCounts()), now);
      return runFromRow(get.get(id)!);
    },
    get(id: string): RunRow | undefined {
      const row = get.get(id);
      return row && runFromRow(row);
    },
    active(connectionId: string, mode: SyncMode): RunRow | undefined {
      const row = active.get(connectionId, mode);
      return row && runFromRow(row);
    },
    recent: (connectionId: string, limit = 10) => recent.all(connectionId, limit).map(runFromRow),
    markStarted(id: string, now: number): void {
      start.run(now, id);
    },
    saveProgress(id: string, checkpoint: unknown, counts: RunCounts, total?: number | null): void {
      progress.run(JSON.stringify(checkpoint), JSON.stringify(counts), total ?? null, id);
    },
    /** The run waits for a provider's rate limit until `until` (epoch ms), or (null) no longer waits. */
    setWaiting(id: string, wait: { provider: string; until: number } | null): void {
      waiting.run(wait?.provider ?? null, wait?.until ?? null, id);
    },
    /**
     * Records a wait in the run's history. A provider that tells the run again while it still waits (a longer
     * window, another request of the same batch) extends the same wait rather than adding one.
     */
    addWait(id: string, wait: ProviderWait): void {
      db.transaction(() => {
        const row = waitsOf.get(id);
        if (!row) return;
        const waits = row.waits_json ? (JSON.parse(row.waits_json) as ProviderWait[]) : [];
        const same = waits.findLast((w) => w.provider === wait.provider);
        if (same && wait.from <= same.until) same.until = Math.max(same.until, wait.until);
        else waits.push(wait);
        saveWaits.run(JSON.stringify(waits.slice(-MAX_RUN_WAITS)), id);
      }).immediate();
    },
    setNote(id: string, note: string | null): void {
      setNote.run(note, id);
    },
    /** Credits charged by a connection's runs of one mode created since `since` (epoch ms): the monitoring budget's spend. */
    creditsSince(connectionId: string, mode: SyncMode, since: number): number {
      let credits = 0;
      for (const r of modeCounts.all(connectionId, mode, since)) {
        const c = (JSON.parse(r.counts_json) as Partial<RunCounts> | null)?.credits;
        if (typeof c === 'number') credits += c;
      }
      return credits;
    },
    /**
     * Adds to a run's task count (a read and a write of its counts; called inside the transaction that marks the
     * tasks created, so no other write comes between them).
     */
    addTasks(id: string, n: number): void {
      const row = countsOf.get(id);
      if (!row) return;
      const counts = (JSON.parse(row.counts_json) as Record<string, unknown> | null) ?? {};
      counts.tasks = (typeof counts.tasks === 'number' ? counts.tasks : 0) + n;
      saveCounts.run(JSON.stringify(counts), id);
    },
    finish(id: string, state: 'succeeded' | 'failed', error: string | null, now: number): void {
      finish.run(state, error, now, id);
    },
    getState: (connectionId: string, key: string) => getState.get(connectionId, key)?.value,
    putState(connectionId: string, key: string, value: string): void {
      putState.run(connectionId, key, value);
    },
    schedules: () => schedules.all(),
    schedulesOf: (connectionId: string) => schedulesOf.all(connectionId),
    putSchedule(connectionId: string, mode: SyncMode, cron: string, enabled: boolean, now: number): void {
      putSchedule.run(connectionId, mode, cron, enabled ? 1 : 0, now);
    },
    /** Changes whenever any schedule changes: the scheduler polls it to pick up edits made by another process. */
    schedulesVersion: () => schedulesVersion.get()!.v,
    /**
     * Records a schedule's firing for one minute; false when a node recorded it first (every worker node's scheduler
     * fires: the first insert wins). Firings older than a week are pruned on the way.
     */
    claimFiring(connectionId: string, mode: SyncMode, minuteAt: number, now: number): boolean {
      pruneFirings.run(now - 7 * 86_400_000);
      return claimFiring.run(connectionId, mode, minuteAt, now).changes === 1;
    },
    /** The run a firing started (or found pending), for the record. */
    setFiringRun(connectionId: string, mode: SyncMode, minuteAt: number, runId: string): void {
      firingRun.run(runId, connectionId, mode, minuteAt);
    },
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
  };
}
export type SyncRunsRepo = ReturnType<typeof createSyncRunsRepo>;
