// Connecting a CRM: OAuth state (single use, 10 minutes, bound to the admin session that asked, PKCE verifier
// kept server-side), code exchange, one connection per portal / org, default mapping and schedules, field
// provisioning. Only an admin session can begin or complete an install: a callback is accepted only from the
// browser session that began it, so nobody else can connect a portal, name accounts or revive a disconnected
// connection.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccountsRepo } from '../db/accounts.repo.js';
import type { ConnectionsRepo, ConnectionRow } from '../db/connections.repo.js';
import type { OAuthStatesRepo } from '../db/oauth-states.repo.js';
import type { SyncRunsRepo } from '../db/sync-runs.repo.js';
import type { Connector, CrmKind, ProvisionReport } from '../../connectors/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { hasUnprintable } from '../lib/text.js';
import { ConnectionSettings } from './mapping.js';
import type { ConnectionService } from './connections.js';
import type { ContextRegistry } from './context.js';
import type { Scheduler } from './schedules.js';

const STATE_TTL_MS = 10 * 60_000;
const MAPPINGS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../config/mappings');

export class InstallError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'InstallError';
    this.status = status;
  }
}

export function defaultSettings(crm: CrmKind): ConnectionSettings {
  const raw = JSON.parse(readFileSync(join(MAPPINGS_DIR, `${crm}.json`), 'utf8')) as { mappings: unknown; minConfidence: unknown };
  return ConnectionSettings.parse({ mappings: raw.mappings, minConfidence: raw.minConfidence, clearJobChangeFlags: true, createTasks: true });
}

export interface InstallDeps {
  connectors: Record<CrmKind, Connector>;
  states: OAuthStatesRepo;
  accounts: AccountsRepo;
  connections: ConnectionsRepo;
  runs: SyncRunsRepo;
  registry: ContextRegistry;
  /** Settings saves go through the connection service, like the admin page's. */
  connectionOps: Pick<ConnectionService, 'saveSettings'>;
  scheduler: Pick<Scheduler, 'ensureDefaults'>;
  publicUrl: string;
  clock: Clock;
  log: Logger;
}

export function createInstallService(deps: InstallDeps) {
  const redirectUri = (crm: CrmKind) => `${deps.publicUrl}/oauth/${crm}/callback`;

  function connector(crm: CrmKind): Connector {
    const c = deps.connectors[crm];
    if (!c.configured) {
      throw new InstallError(503, `${crm === 'hubspot' ? 'HubSpot' : 'Salesforce'} is not configured: ${c.setupHint}`);
    }
    return c;
  }

  /** Provisions our fields and drops mapped standard fields the CRM lacks (with a warning), then stores the report. */
  async function provision(row: ConnectionRow): Promise<ProvisionReport> {
    deps.registry.invalidate(row.id);
    const ctx = deps.registry.get(row.id);
    const report = await ctx.session.provision();
    const settings = ctx.settings;
    const kept = [];
    for (const m of settings.mappings) {
      const fields = await ctx.fields(m.objectType);
      const ours = /^enrichment_/i.test(m.target);
      if (!ours && !fields.has(m.target)) {
        report.warnings.push(`${m.objectType} field ${m.target} does not exist in this ${row.crm === 'hubspot' ? 'portal' : 'org'}; it was left out of the mapping`);
        continue;
      }
      kept.push(m);
    }
    if (kept.length !== settings.mappings.length) deps.connectionOps.saveSettings(row.id, { ...settings, mappings: kept });
    deps.connections.setProvision(row.id, report);
    deps.registry.invalidate(row.id);
    return report;
  }

  return {
    redirectUri,
    /** Where to send the admin's browser to install the app. */
    begin(crm: CrmKind, accountName: string | null, sessionHash: string): string {
      const c = connector(crm);
      if (accountName !== null && (!accountName.trim() || accountName.length > 100 || hasUnprintable(accountName))) {
        throw new InstallError(400, 'account must be 1-100 printable characters');
      }
      const verifier = c.usesPkce ? randomBytes(48).toString('base64url') : null;
      const state = deps.states.create({ crm, accountName: accountName?.trim() ?? null, codeVerifier: verifier, sessionHash, ttlMs: STATE_TTL_MS, now: deps.clock.now() });
      return c.authorizeUrl({
        state,
        redirectUri: redirectUri(crm),
        ...(verifier ? { codeChallenge: createHash('sha256').update(verifier).digest('base64url') } : {}),
      });
    },

    /**
     * Exchanges the code and stores (or updates) the connection. Unknown, expired or reused states, and states
     * begun by another admin session (or presented without one), store nothing.
     */
    async complete(
      crm: CrmKind,
      p: { code?: string; state?: string; error?: string; errorDescription?: string; sessionHash: string | undefined },
    ): Promise<{ connection: ConnectionRow; created: boolean; report: ProvisionReport | null }> {
      const c = connector(crm);
      const consumed = p.state ? deps.states.consume(p.state, crm, p.sessionHash, deps.clock.now()) : undefined;
      if (!consumed) throw new InstallError(400, 'invalid, expired or already used OAuth state; start the install again');
      if (p.error) throw new InstallError(400, `the ${crm} authorization was refused: ${p.errorDescription ?? p.error}`.slice(0, 300));
      if (!p.code) throw new InstallError(400, 'missing authorization code');
      const result = await c.exchangeCode({ code: p.code, redirectUri: redirectUri(crm), ...(consumed.codeVerifier ? { codeVerifier: consumed.codeVerifier } : {}) });
      const account = deps.accounts.ensure(consumed.accountName ?? `${crm}-${result.externalId}`);
      const { row, created } = deps.connections.upsertInstall({
        crm,
        accountId: account.id,
        externalId: result.externalId,
        label: result.label,
        userId: result.userId,
        tokens: result.tokens,
        settingsJson: JSON.stringify(defaultSettings(crm)),
      });
      deps.registry.invalidate(row.id);
      // Outbound Messages need the connection's own endpoint from the start (shown on its admin page).
      if (crm === 'salesforce') deps.connections.inboundToken(row.id);
      deps.scheduler.ensureDefaults(row.id, crm);
      // New-record polling starts now: older records are the backfill's job.
      for (const ot of deps.connectors[crm].objectTypes) {
        if (!deps.runs.getState(row.id, `new:${ot}:high_water`)) deps.runs.putState(row.id, `new:${ot}:high_water`, new Date(deps.clock.now()).toISOString());
      }
      let report: ProvisionReport | null = null;
      try {
        report = await provision(row);
      } catch (err) {
        // The connection is kept: provisioning can be retried from the admin page.
        deps.log.warn({ err, connection: row.id }, 'field provisioning failed at install');
        deps.connections.setProvision(row.id, { created: [], existing: [], missing: [], warnings: [`provisioning failed: ${err instanceof Error ? err.message : String(err)}`] });
      }
      deps.log.info({ connection: row.id, crm, externalId: result.externalId, created }, created ? 'CRM connected' : 'CRM re-connected');
      return { connection: deps.connections.get(row.id)!, created, report };
    },

    provision: async (connectionId: string) => {
      const row = deps.connections.get(connectionId);
      if (!row) throw new InstallError(404, 'no such connection');
      return provision(row);
    },
  };
}
export type InstallService = ReturnType<typeof createInstallService>;
