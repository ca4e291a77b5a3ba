// node-cron schedules per connection, stored in the database and reloaded when they change (also when another
// process changed them), so an edit takes effect without a restart. A firing only enqueues a run, once per schedule
// and minute across every worker node (schedule_firings), and startRun refuses a second run of the same mode while
// one is queued or running.
import cron, { validateDetailed, type ScheduledTask } from 'node-cron';
import type { CrmKind } from '../../connectors/types.js';
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { SyncMode, SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RunService } from './runs.js';

export const DEFAULT_SCHEDULES: Record<CrmKind, Partial<Record<SyncMode, string>>> = {
  hubspot: { new: '*/15 * * * *', 'job-changes': '0 6 * * 1' },
  salesforce: { new: '*/5 * * * *', 'job-changes': '0 6 * * 1' },
};

export const CRON_TIMEZONE = 'UTC';

/** Problems with a cron expression (empty when valid). Five fields: a sixth (seconds) would allow a sync every second. */
export function cronProblems(expr: string): string[] {
  const e = expr.trim();
  if (!e) return ['a cron expression is required'];
  if (e.length > 120) return ['the cron expression is too long'];
  const fields = e.split(/\s+/).length;
  if (fields !== 5) return ['a cron expression has 5 fields (minute hour day month weekday)'];
  const v = validateDetailed(e);
  return v.valid ? [] : v.errors.map((x) => `${x.field}: ${x.message}`);
}

/** The next firing from now (UTC), by node-cron's own matcher (a minute-by-minute scan took seconds for yearly rules). */
export function nextRun(expr: string): Date | null {
  if (cronProblems(expr).length) return null;
  const task = cron.createTask(expr, () => undefined, { timezone: CRON_TIMEZONE });
  try {
    return task.getNextRuns(1)[0] ?? null;
  } finally {
    void task.destroy();
  }
}

export function createScheduler(deps: { runs: SyncRunsRepo; connections: ConnectionsRepo; runService: RunService; clock: Clock; log: Logger; pollMs?: number }) {
  const tasks = new Map<string, ScheduledTask>();
  let version = '';
  let poll: NodeJS.Timeout | undefined;

  function fire(connectionId: string, mode: SyncMode): void {
    const conn = deps.connections.get(connectionId);
    if (!conn || conn.status !== 'connected') return;
    try {
      // Every worker node fires: the firing's minute (rounded, so a node whose clock runs a little early or late names
      // the same one) is recorded once, and only the node that records it starts the run.
      const minuteAt = Math.round(deps.clock.now() / 60_000) * 60_000;
      const started = deps.runService.startScheduledRun(connectionId, mode, minuteAt);
      if ('firedElsewhere' in started) {
        deps.log.debug({ connection: connectionId, mode, minute: new Date(minuteAt).toISOString() }, 'scheduled sync already fired on another node');
        return;
      }
      const { run, created } = started;
      deps.log.info({ connection: connectionId, mode, run: run.id, created }, created ? 'scheduled sync enqueued' : 'scheduled sync skipped: a run is already pending');
    } catch (err) {
      deps.log.error({ err, connection: connectionId, mode }, 'could not enqueue a scheduled sync');
    }
  }

  function reload(): void {
    version = deps.runs.schedulesVersion();
    const wanted = new Map<string, { connectionId: string; mode: SyncMode; cron: string }>();
    for (const s of deps.runs.schedules()) {
      if (s.enabled && !cronProblems(s.cron).length) wanted.set(`${s.connection_id}:${s.mode}:${s.cron}`, { connectionId: s.connection_id, mode: s.mode, cron: s.cron });
    }
    for (const [key, task] of tasks) {
      if (!wanted.has(key)) {
        void task.destroy();
        tasks.delete(key);
      }
    }
    for (const [key, s] of wanted) {
      if (tasks.has(key)) continue;
      tasks.set(key, cron.schedule(s.cron, () => fire(s.connectionId, s.mode), { timezone: CRON_TIMEZONE, name: key, noOverlap: true }));
    }
  }

  return {
    /** Default schedules for a new connection (kept when they exist: a re-install does not reset edits). */
    ensureDefaults(connectionId: string, crm: CrmKind): void {
      const existing = new Set(deps.runs.schedulesOf(connectionId).map((s) => s.mode));
      for (const [mode, expr] of Object.entries(DEFAULT_SCHEDULES[crm]) as [SyncMode, string][]) {
        if (!existing.has(mode)) deps.runs.putSchedule(connectionId, mode, expr, true, deps.clock.now());
      }
    },
    start(): void {
      reload();
      poll = setInterval(() => {
        if (deps.runs.schedulesVersion() !== version) reload();
      }, deps.pollMs ?? 5_000);
      poll.unref();
    },
    reload,
    stop(): void {
      if (poll) clearInterval(poll);
      for (const t of tasks.values()) void t.destroy();
      tasks.clear();
    },
    /** For tests: fire as the clock would. */
    fire,
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
