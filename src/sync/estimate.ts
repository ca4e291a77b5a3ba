// The estimate of a sync run before it runs: how many records it would look at, how many it would send to the
// providers, and the most that could cost. It reads the CRM (pages of records, no writes) and our own memory, and
// calls no provider and charges nothing. It decides with the run's own rules (skipReason, the re-check interval,
// the oldest-first order and the monitoring budget), so when nothing changes in between, a run charges exactly
// max_credits if every contact it enriches is found (a contact not found costs nothing).
import { CREDITS_PER_FOUND } from '../enrichment/contract.js';
import type { ContactsRepo } from '../db/contacts.repo.js';
import type { SyncMode, SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { Clock } from '../lib/clock.js';
import type { CrmContact, ObjectType, Page } from '../../connectors/types.js';
import type { ContextRegistry } from './context.js';
import { guardsOf } from './guard-settings.js';
import { mappedFields, skipReason, type ConnectionContext } from './pipeline.js';
import { newSince, type RunService } from './runs.js';
import { monitoringAllowance } from './budget.js';

export interface Estimate {
  contacts: number;
  to_enrich: number;
  max_credits: number;
}

export interface EstimatorDeps {
  contacts: ContactsRepo;
  runs: SyncRunsRepo;
  registry: Pick<ContextRegistry, 'get'>;
  runService: Pick<RunService, 'dueSince'>;
  clock: Clock;
}

export function createEstimator(deps: EstimatorDeps) {
  const { contacts: repo } = deps;

  async function estimate(connectionId: string, mode: SyncMode): Promise<Estimate> {
    const ctx = deps.registry.get(connectionId);
    const guards = guardsOf(ctx.settings);
    let seen = 0;
    let toEnrich = 0;
    const consider = (c: CrmContact, m: SyncMode) => {
      seen++;
      if (skipReason(ctx, c, repo.snapshot(ctx.id, c), m, guards) === null) toEnrich++;
    };
    if (mode === 'job-changes') return jobChanges(ctx);
    for (const ot of ctx.session.objectTypes) {
      const fields = mappedFields(ctx.settings, ot);
      const since = mode === 'new' ? newSince(deps.runs.getState(ctx.id, `new:${ot}:high_water`)) : null;
      let cursor: string | null = null;
      do {
        const page: Page = mode === 'new' ? await ctx.session.createdSince(ot, { since, cursor, fields }) : await ctx.session.list(ot, { cursor, fields });
        for (const c of page.contacts) consider(c, mode);
        cursor = page.next;
      } while (cursor);
    }
    return result(seen, toEnrich);
  }

  /** Every due contact, oldest check first, read from the CRM as the run reads them; the budget caps the count. */
  async function jobChanges(ctx: ConnectionContext): Promise<Estimate> {
    const now = deps.clock.now();
    const dueBefore = deps.runService.dueSince(ctx, now);
    const guards = guardsOf(ctx.settings);
    let after: { at: number; objectType: string; id: string } | null = null;
    let seen = 0;
    let eligible = 0;
    for (;;) {
      const due = repo.dueSnapshots(ctx.id, dueBefore, after, 200);
      if (due.length === 0) break;
      for (const ot of new Set(due.map((s) => s.object_type))) {
        const mine = due.filter((s) => s.object_type === ot);
        const read = new Map((await ctx.session.read(ot as ObjectType, mine.map((s) => s.contact_id), mappedFields(ctx.settings, ot as ObjectType))).map((c) => [c.id, c]));
        for (const s of mine) {
          const c = read.get(s.contact_id);
          if (c && skipReason(ctx, c, s, 'job-changes', guards) === null) eligible++;
        }
      }
      seen += due.length;
      const last = due[due.length - 1]!;
      after = { at: last.last_enriched_at, objectType: last.object_type, id: last.contact_id };
    }
    const allowed = monitoringAllowance(deps.runs, ctx, now).contacts;
    return result(seen, allowed === null ? eligible : Math.min(eligible, allowed));
  }

  return { estimate };
}
export type Estimator = ReturnType<typeof createEstimator>;

function result(contacts: number, toEnrich: number): Estimate {
  return { contacts, to_enrich: toEnrich, max_credits: toEnrich * CREDITS_PER_FOUND };
}
