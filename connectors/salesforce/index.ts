// createSalesforceConnector: the Connector port for Salesforce (OAuth web-server flow with PKCE, Contacts and Leads).
import type { ApiUsageStore, Connector, ConnectionHandle } from '../types.js';
import { NonRetryableError } from '../../src/lib/errors.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { createMemoryApiUsageStore } from '../../src/lib/call-window.js';
import type { Logger } from '../../src/lib/logger.js';
import { ApiBudget, SfClient } from './client.js';
import { authorizeUrl, exchangeCode, revokeToken, type OAuthConfig } from './oauth.js';
import { createSalesforceSession, SALESFORCE_OBJECT_TYPES } from './session.js';
import { createOutboundChannel } from './outbound-message.js';

const SETUP_HINT = 'set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET';

export interface SalesforceConnectorOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  loginUrl: string;
  apiVersion: string;
  /** Background work pauses once this share of the daily API allocation is used (default 80). */
  budgetPercent?: number | undefined;
  /** How long a budget pause lasts before one probing call is allowed (default 15 minutes). */
  budgetWaitMs?: number | undefined;
  /** Per-request timeout (default 2 minutes). */
  timeoutMs?: number | undefined;
  log: Logger;
  clock?: Clock | undefined;
  onCall?: ((operation: string, status: string) => void) | undefined;
  /** Shares each org's last known API usage (and so the budget pause) with every process on the same store;
   * without one it lives in memory. */
  apiUsage?: ApiUsageStore | undefined;
}

export function createSalesforceConnector(opts: SalesforceConnectorOptions): Connector {
  const clock = opts.clock ?? systemClock;
  const configured = Boolean(opts.clientId && opts.clientSecret);
  const loginUrl = opts.loginUrl.replace(/\/+$/, '');
  // Budgets are per org and outlive sessions: the sync layer rebuilds a session when settings change. Their state
  // is the usage store's, so with the database every node pauses together.
  const budgets = new Map<string, ApiBudget>();

  function oauth(): OAuthConfig {
    if (!opts.clientId || !opts.clientSecret) {
      throw new NonRetryableError('salesforce_not_configured', `Salesforce is not configured: ${SETUP_HINT}`);
    }
    return { clientId: opts.clientId, clientSecret: opts.clientSecret, loginUrl, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) };
  }

  function budgetOf(orgId: string): ApiBudget {
    let b = budgets.get(orgId);
    if (!b) {
      b = new ApiBudget(opts.budgetPercent ?? 80, opts.budgetWaitMs ?? 15 * 60_000, clock, opts.apiUsage ?? createMemoryApiUsageStore(), `salesforce:${orgId}`);
      budgets.set(orgId, b);
    }
    return b;
  }

  return {
    crm: 'salesforce',
    configured,
    setupHint: SETUP_HINT,
    objectTypes: SALESFORCE_OBJECT_TYPES,
    usesPkce: true,
    inbound: createOutboundChannel(),
    authorizeUrl: (p) => authorizeUrl(oauth(), p),
    exchangeCode: (p) => exchangeCode(oauth(), p, opts.log),
    session(conn: ConnectionHandle) {
      const log = opts.log.child({ crm: 'salesforce', connection: conn.id });
      const client = new SfClient({
        oauth: oauth(),
        apiVersion: opts.apiVersion,
        tokens: conn.tokens,
        budget: budgetOf(conn.externalId),
        log,
        clock,
        onCall: opts.onCall,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      return createSalesforceSession({ client, userId: conn.userId, log, clock });
    },
    revoke: (tokens) => revokeToken(oauth(), tokens),
  };
}
