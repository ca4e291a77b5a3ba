// Small steps of the demo: an OAuth install driven the way a browser would drive it, and waiting for a condition.
import { randomBytes } from 'node:crypto';
import type { CrmKind } from '../../connectors/types.js';
import type { Services } from '../main.js';
import { sleep } from '../lib/clock.js';

/**
 * Connects a CRM through the install service's real OAuth flow: begin (a state bound to a setup session), the
 * stand-in's consent endpoint (which approves at once and redirects with a code), then the code exchange.
 * Returns the connection id.
 */
export async function installThroughOAuth(s: Services, crm: CrmKind, account: string): Promise<string> {
  const session = `demo-setup-${randomBytes(16).toString('hex')}`;
  const authorize = s.install.begin(crm, account, session);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (consent.status !== 302 || !location) throw new Error(`the ${crm} stand-in did not approve the install (HTTP ${consent.status})`);
  const callback = new URL(location);
  const code = callback.searchParams.get('code');
  const state = callback.searchParams.get('state');
  if (!code || !state) throw new Error(`the ${crm} stand-in's redirect carried no code or state`);
  const { connection } = await s.install.complete(crm, { code, state, sessionHash: session });
  return connection.id;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`the demo gave up waiting for ${what}`);
    await sleep(100);
  }
}
