// A contact's first enrichment can be reached by two paths: its own `contact.enrich` job (a webhook, an Outbound
// Message) and a `backfill` or `new` run. Each charges under its own ledger key, and whichever commits its batch
// first leaves a snapshot that makes the other skip the contact. But the charge is recorded before the CRM write
// and the batch's commit: a node that dies in between leaves a charged contact without a snapshot, and the other
// path — arriving before the dead node's work is redone — would charge it a second time under its own key. So a
// path about to charge a never-enriched contact first looks for a charge the other path already made and charges
// under that key instead: the ledger's unique key turns it into a replay, not a second row.
import type { ContactRef } from '../../connectors/types.js';
import type { Queue } from '../jobs/queue.js';
import type { SyncRunsRepo } from '../db/sync-runs.repo.js';
import { contactJobKey, jobChargeKey } from './handlers.js';

export interface EarlierChargeDeps {
  queue: Pick<Queue, 'byDedupeKey'>;
  runs: Pick<SyncRunsRepo, 'active'>;
  /** Whether a charged ledger row holds this idempotency key. */
  charged(key: string): boolean;
}

/**
 * For one batch of a connection: the key to charge a never-enriched contact under — `own`, unless the contact's job
 * or an unfinished backfill / new-records run of the connection already charged it under theirs.
 */
export type EarlierCharge = (ref: ContactRef, own: string) => string;

export function createEarlierCharges(deps: EarlierChargeDeps): (connectionId: string) => EarlierCharge {
  return (connectionId) => {
    // Runs that may hold a charge not yet recorded by a snapshot: the unfinished ones (a finished run committed its pages).
    const runs = (['backfill', 'new'] as const).flatMap((mode) => deps.runs.active(connectionId, mode) ?? []);
    return (ref, own) => {
      const keys: string[] = [];
      const job = deps.queue.byDedupeKey(contactJobKey(connectionId, ref.objectType, ref.id));
      if (job) keys.push(jobChargeKey(job, ref));
      for (const run of runs) keys.push(runChargeKey(run.id, ref));
      return keys.find((k) => k !== own && deps.charged(k)) ?? own;
    };
  };
}

/** The ledger key a run charges a contact under. */
export function runChargeKey(runId: string, ref: ContactRef): string {
  return `run:${runId}:${ref.objectType}:${ref.id}`;
}
