// The embedded default provider: exact match on canonical email or LinkedIn URL in the imported dataset.
import type { DatasetStore } from '../ports.js';
import type { Provider } from './types.js';

export function createDatasetProvider(store: DatasetStore): Provider {
  return {
    name: 'dataset',
    configured: true,
    async lookup(lookup) {
      const hit = (lookup.email ? store.findByEmail(lookup.email) : undefined) ?? (lookup.linkedin_url ? store.findByLinkedIn(lookup.linkedin_url) : undefined);
      if (!hit) return { found: false };
      return { found: true, profile: hit.profile, confidence: hit.confidence, seniorityHint: hit.profile.seniority };
    },
  };
}
