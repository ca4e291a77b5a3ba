// Builds and caches one ConnectionContext per connection: its CRM session (so token refresh and rate limits are
// shared by every job of that connection in this process), its parsed settings and its field definitions.
import type { ConnectionsRepo, ConnectionRow } from '../db/connections.repo.js';
import type { AccountsRepo } from '../db/accounts.repo.js';
import type { Connector, CrmKind, FieldDef, ObjectType } from '../../connectors/types.js';
import type { Clock } from '../lib/clock.js';
import { ConnectionSettings } from './mapping.js';
import type { ConnectionContext } from './pipeline.js';
import { createTokenStore } from './token-store.js';

const FIELDS_TTL_MS = 10 * 60_000;

export interface ContextRegistry {
  get(connectionId: string): ConnectionContext;
  /** Drops cached settings and fields (after a settings edit, a re-install or provisioning). */
  invalidate(connectionId: string): void;
  connector(crm: CrmKind): Connector;
}

export function createContextRegistry(deps: {
  connections: ConnectionsRepo;
  accounts: AccountsRepo;
  connectors: Record<CrmKind, Connector>;
  clock: Clock;
}): ContextRegistry {
  const cache = new Map<string, { ctx: ConnectionContext; settingsJson: string }>();

  function build(row: ConnectionRow): ConnectionContext {
    const connector = deps.connectors[row.crm];
    const session = connector.session({
      id: row.id,
      externalId: row.external_id,
      userId: row.user_id,
      tokens: createTokenStore(row.id, deps.connections, deps.clock),
    });
    const fieldCache = new Map<ObjectType, { at: number; fields: Promise<ReadonlyMap<string, FieldDef>> }>();
    return {
      id: row.id,
      crm: row.crm,
      accountId: row.account_id,
      monthlyLimit: () => deps.accounts.byId(row.account_id)?.monthly_credit_limit ?? 0,
      settings: ConnectionSettings.parse(JSON.parse(row.settings_json)),
      session,
      fields(objectType) {
        const hit = fieldCache.get(objectType);
        if (hit && deps.clock.now() - hit.at < FIELDS_TTL_MS) return hit.fields;
        const fields = session.describe(objectType).then((defs) => new Map(defs.map((d) => [d.name, d])));
        fields.catch(() => fieldCache.delete(objectType));
        fieldCache.set(objectType, { at: deps.clock.now(), fields });
        return fields;
      },
    };
  }

  return {
    get(connectionId) {
      const row = deps.connections.get(connectionId);
      if (!row) throw new Error(`connection ${connectionId} does not exist`);
      const hit = cache.get(connectionId);
      // Settings edited by another process (admin page vs. CLI) are picked up by comparing the stored JSON.
      if (hit && hit.settingsJson === row.settings_json) return hit.ctx;
      const ctx = build(row);
      cache.set(connectionId, { ctx, settingsJson: row.settings_json });
      return ctx;
    },
    invalidate(connectionId) {
      cache.delete(connectionId);
    },
    connector: (crm) => deps.connectors[crm],
  };
}
