// The monthly monitoring budget of a connection: how many more contacts job-changes runs may send to the providers
// this calendar month (UTC). A run and its estimate ask the same question, so the estimate is what the run charges.
import { CREDITS_PER_FOUND } from '../enrichment/contract.js';
import { monthStartUtc } from '../db/ledger.repo.js';
import type { SyncRunsRepo } from '../db/sync-runs.repo.js';
import { guardsOf } from './guard-settings.js';
import type { ConnectionContext } from './pipeline.js';

export interface Allowance {
  /** The month's budget in credits; 0 = none. */
  budget: number;
  /** Credits job-changes runs of the connection charged this month. */
  spent: number;
  /** Contacts that may still be enriched (each may cost CREDITS_PER_FOUND); null = no limit. */
  contacts: number | null;
}

export function monitoringAllowance(runs: Pick<SyncRunsRepo, 'creditsSince'>, ctx: Pick<ConnectionContext, 'id' | 'settings'>, now: number): Allowance {
  const budget = guardsOf(ctx.settings).monitoringBudget;
  if (budget <= 0) return { budget: 0, spent: 0, contacts: null };
  const spent = runs.creditsSince(ctx.id, 'job-changes', monthStartUtc(now));
  return { budget, spent, contacts: Math.max(0, Math.floor((budget - spent) / CREDITS_PER_FOUND)) };
}

/**
 * How many of `items` (in order) fit an allowance of `allowed` contacts to enrich, where `costs(item)` says whether
 * the item would be sent to the providers: the cut falls before the first item that would pass the budget.
 */
export function fitToAllowance<T>(items: readonly T[], allowed: number | null, costs: (item: T) => boolean): number {
  if (allowed === null) return items.length;
  let need = 0;
  for (const [i, item] of items.entries()) {
    if (costs(item) && ++need > allowed) return i;
  }
  return items.length;
}
