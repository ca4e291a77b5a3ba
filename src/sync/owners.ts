// Owner names for the admin pages: a job change's task goes to the record's owner, and "owner 71000001" tells an
// admin nothing. Names are read through the connection's CRM session (HubSpot owners, Salesforce Users) and kept
// per connection for a few minutes, so a page of fifty job changes costs at most one CRM call per connection. A
// CRM that cannot be reached (disconnected, down, slow) never fails a page: the ids are shown as they are.
import type { CrmOwner } from '../../connectors/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ContextRegistry } from './context.js';

export const OWNERS_TTL_MS = 5 * 60_000;
/** A page waits at most this long for a CRM; after that it shows ids (the answer still fills the cache). */
const LOOKUP_WAIT_MS = 4_000;
/** After a failed lookup the CRM is not asked again for this long (a page reload must not hammer a dead CRM). */
const FAILURE_TTL_MS = 30_000;

export interface OwnerDirectory {
  /** The owners these ids name, per connection; ids not found (or not reachable) are absent from the map. */
  lookup(wanted: { connectionId: string; ownerId: string | null }[]): Promise<Map<string, CrmOwner>>;
}

/** The key of an owner in lookup()'s answer: owner ids are only unique within one CRM account. */
export const ownerKey = (connectionId: string, ownerId: string) => `${connectionId}:${ownerId}`;

interface Entry {
  at: number;
  /** null: the CRM does not know this id (asked and not returned). */
  owner: CrmOwner | null;
}

export function createOwnerDirectory(deps: { registry: Pick<ContextRegistry, 'get'>; clock: Clock; log: Logger; ttlMs?: number }): OwnerDirectory {
  const ttl = deps.ttlMs ?? OWNERS_TTL_MS;
  const cache = new Map<string, Map<string, Entry>>();
  const failedAt = new Map<string, number>();

  async function fetchOwners(connectionId: string, ids: string[]): Promise<void> {
    const now = deps.clock.now();
    const entries = cache.get(connectionId) ?? new Map<string, Entry>();
    cache.set(connectionId, entries);
    const found = await deps.registry.get(connectionId).session.owners(ids);
    const byId = new Map(found.map((o) => [o.id, o]));
    for (const id of ids) entries.set(id, { at: now, owner: byId.get(id) ?? null });
  }

  return {
    async lookup(wanted) {
      const now = deps.clock.now();
      const missing = new Map<string, Set<string>>();
      for (const { connectionId, ownerId } of wanted) {
        if (!ownerId) continue;
        const hit = cache.get(connectionId)?.get(ownerId);
        if (hit && now - hit.at < ttl) continue;
        const failed = failedAt.get(connectionId);
        if (failed !== undefined && now - failed < FAILURE_TTL_MS) continue;
        (missing.get(connectionId) ?? missing.set(connectionId, new Set()).get(connectionId)!).add(ownerId);
      }
      await Promise.all(
        [...missing].map(async ([connectionId, ids]) => {
          const work = fetchOwners(connectionId, [...ids]).catch((err: unknown) => {
            failedAt.set(connectionId, deps.clock.now());
            deps.log.warn({ err, connection: connectionId }, 'owner names could not be read from the CRM; showing owner ids');
          });
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, LOOKUP_WAIT_MS);
            timer.unref();
          });
          await Promise.race([work, timeout]);
          clearTimeout(timer);
        }),
      );
      const out = new Map<string, CrmOwner>();
      for (const { connectionId, ownerId } of wanted) {
        const owner = ownerId ? cache.get(connectionId)?.get(ownerId)?.owner : null;
        if (owner) out.set(ownerKey(connectionId, owner.id), owner);
      }
      return out;
    },
  };
}
