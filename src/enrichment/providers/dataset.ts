// The embedded default provider: exact match on canonical email, then on LinkedIn URL, in the imported dataset.
// A batch is looked up with one query per identifier kind (DatasetStore.findMany) instead of one per record.
import type { DatasetStore } from '../ports.js';
import type { Provider, ProviderResult } from './types.js';

/** Records per lookupMany call: one page of a CRM read is 100–200 contacts. */
const BATCH_SIZE = 200;

export function createDatasetProvider(store: DatasetStore): Provider {
  const hitOf = (hit: { profile: import('../contract.js').Profile; confidence: number } | undefined): ProviderResult =>
    hit ? { found: true, profile: hit.profile, confidence: hit.confidence, seniorityHint: hit.profile.seniority } : { found: false };
  const findMany = store.findMany?.bind(store);
  return {
    name: 'dataset',
    configured: true,
    async lookup(lookup) {
      return hitOf((lookup.email ? store.findByEmail(lookup.email) : undefined) ?? (lookup.linkedin_url ? store.findByLinkedIn(lookup.linkedin_url) : undefined));
    },
    ...(findMany
      ? {
          batchSize: BATCH_SIZE,
          async lookupMany(lookups) {
            const emails = lookups.flatMap((l) => (l.email ? [l.email] : []));
            const urls = lookups.flatMap((l) => (l.linkedin_url ? [l.linkedin_url] : []));
            const { byEmail, byLinkedIn } = findMany(emails, urls);
            return lookups.map((l) => hitOf((l.email ? byEmail.get(l.email) : undefined) ?? (l.linkedin_url ? byLinkedIn.get(l.linkedin_url) : undefined)));
          },
        }
      : {}),
  };
}
