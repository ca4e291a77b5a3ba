// The `contact.enrich` job: up to 100 queued contacts of one connection → one batch read → the pipeline.
import { z } from 'zod';
import type { JobRow } from '../jobs/queue.js';
import type { JobHandler, JobResult } from '../jobs/worker.js';
import type { ObjectType } from '../../connectors/types.js';
import type { ContextRegistry } from './context.js';
import { mappedFields, type Pipeline } from './pipeline.js';
import type { TaskOutbox } from './tasks.js';

export const CONTACT_ENRICH = 'contact.enrich';

export const ContactEnrichPayload = z.object({
  objectType: z.enum(['contact', 'lead']),
  contactId: z.string().min(1).max(64),
  source: z.string().max(40).default('webhook'),
  /** Ledger idempotency key to charge under (a run hands over a contact it already charged); default per job. */
  chargeKey: z.string().min(1).max(200).optional(),
});
export type ContactEnrichPayload = z.infer<typeof ContactEnrichPayload>;

/** One job per contact, for good: a redelivered webhook or a second poll never enqueues the contact again. */
export function contactJobKey(connectionId: string, objectType: ObjectType, contactId: string): string {
  return `enrich:${connectionId}:${objectType}:${contactId}`;
}

/** The ledger key a contact's job charges it under: the key a run handed over with it, else the job's own. */
export function jobChargeKey(job: Pick<JobRow, 'id' | 'payload'>, ref: { objectType: string; id: string }): string {
  const handedOver = ContactEnrichPayload.safeParse(job.payload);
  return (handedOver.success ? handedOver.data.chargeKey : undefined) ?? `job:${job.id}:${ref.objectType}:${ref.id}`;
}

export function createContactEnrichHandler(deps: {
  registry: ContextRegistry;
  pipeline: Pipeline;
  outbox: TaskOutbox;
  /** A charge a run already made for a contact (earlier-charge.ts: the key to charge under); without it, the job's own. */
  earlierCharges?: ((connectionId: string) => (ref: { objectType: ObjectType; id: string }, own: string) => string) | undefined;
}): JobHandler {
  return {
    batchSize: 100,
    async run(jobs: JobRow[]): Promise<JobResult[]> {
      const results: JobResult[] = [];
      // Grouped by object type, and apart when an admin asked ("Enrich one contact now"): that means "again", so
      // such a contact is looked up afresh even if it was enriched before (the job-changes pipeline mode), where a
      // webhook or a poll skips a contact it already enriched.
      const byType = new Map<string, { objectType: ObjectType; again: boolean; items: { job: JobRow; payload: ContactEnrichPayload }[] }>();
      for (const job of jobs) {
        const parsed = ContactEnrichPayload.safeParse(job.payload);
        if (!parsed.success) {
          results.push({ id: job.id, outcome: 'failed', error: new Error(`bad payload: ${parsed.error.message}`) });
          continue;
        }
        const again = parsed.data.source === 'admin';
        const key = `${parsed.data.objectType}:${again}`;
        const group = byType.get(key) ?? { objectType: parsed.data.objectType, again, items: [] };
        group.items.push({ job, payload: parsed.data });
        byType.set(key, group);
      }
      const connectionId = jobs[0]!.connection_id!;
      const ctx = deps.registry.get(connectionId);
      for (const { objectType, again, items } of byType.values()) {
        const ids = [...new Set(items.map((i) => i.payload.contactId))];
        const contacts = await ctx.session.read(objectType, ids, mappedFields(ctx.settings, objectType));
        const jobIdOf = new Map(items.map((i) => [i.payload.contactId, i.job.id]));
        const jobOf = new Map(items.map((i) => [i.payload.contactId, i.job]));
        // A first enrichment replays a charge a run made for the contact before its node died; an admin's "again" is
        // a new lookup and charges under the job's own key.
        const earlier = again ? undefined : deps.earlierCharges?.(connectionId);
        const outcomes = await deps.pipeline.processBatch(ctx, objectType, contacts, {
          mode: again ? 'job-changes' : 'new',
          idempotencyKey: (ref) => {
            const own = jobChargeKey(jobOf.get(ref.id)!, ref);
            return earlier ? earlier(ref, own) : own;
          },
          jobIds: jobIdOf,
        });
        const byId = new Map(outcomes.map((o) => [o.ref.id, o]));
        for (const { job, payload } of items) {
          const o = byId.get(payload.contactId);
          // A contact missing from the batch read was deleted: nothing to do, and nothing charged.
          if (!o || o.status !== 'failed') results.push({ id: job.id, outcome: 'succeeded' });
          else results.push({ id: job.id, outcome: 'failed', error: o.error ?? new Error(o.reason ?? 'failed') });
        }
      }
      await deps.outbox.flush(ctx);
      return results;
    },
  };
}
