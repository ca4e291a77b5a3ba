// `crm-enrich demo`: the real service against local stand-ins for HubSpot and Salesforce (the stateful fakes the
// tests use, in fakes/), so a newcomer sees installs, webhooks, write-back, a job change and its task without a
// CRM account. Everything here goes through the product's own paths: the OAuth install (code exchange against
// the fake), signed webhooks and Outbound Messages over HTTP, sync runs on the server's worker.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { createServices, resetAdminPassword, serve, type Running, type Services } from '../main.js';
import type { Logger } from '../lib/logger.js';
import { generateEncryptionKey } from '../lib/crypto.js';
import { startHubSpotFake, type HubSpotFake } from '../../fakes/hubspot/index.js';
import { startSalesforceFake, type SalesforceFake } from '../../fakes/salesforce/index.js';
import { installThroughOAuth, waitFor } from './steps.js';
import { seedScenario, type DemoStory } from './seed.js';

export interface DemoOptions {
  /** Port of the service; 0 picks a free one. */
  port: number;
  /** When `port` is taken, use a free one instead of failing (the default port of `crm-enrich demo`). */
  anyPortIfTaken?: boolean;
  /** The demo's own folder (its database is recreated at every start). */
  dataDir: string;
  log?: Logger;
  /** Progress lines for a person ("installing HubSpot…"). */
  say?: (line: string) => void;
}

export interface Demo {
  url: string;
  adminUrl: string;
  password: string;
  /** A key of the enrichment API (account "demo"), to try the API on the same data. */
  apiKey: string;
  services: Services;
  hubspot: HubSpotFake;
  salesforce: SalesforceFake;
  story: DemoStory;
  stop(): Promise<void>;
}

/**
 * The files the demo owns in its folder; only these are removed at a start. Its encryption key is never a file
 * (a fresh one per start, in memory): pointed at a real data folder by mistake, the demo must not replace the key
 * of the real database.
 */
const DEMO_FILES = ['crm-enrich-demo.db', 'crm-enrich-demo.db-wal', 'crm-enrich-demo.db-shm'];

export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const say = opts.say ?? (() => {});
  const dir = resolve(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  // The stand-in CRMs start empty every time, so the demo's database does too (connections would point at a
  // portal that no longer exists).
  for (const f of DEMO_FILES) rmSync(join(dir, f), { force: true });

  const hubspot = await startHubSpotFake({ portalId: 4242 });
  const salesforce = await startSalesforceFake();
  const stopFakes = async () => {
    await hubspot.close();
    await salesforce.close();
  };
  let services: Services | undefined;
  let running: Running | undefined;
  try {
    const port = opts.port === 0 || (opts.anyPortIfTaken && !(await portFree(opts.port))) ? await freePort() : opts.port;
    // Its own environment: the user's real keys and database never reach the demo.
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      // One name for the demo's pages, callbacks and webhooks: the address it serves.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: join(dir, 'crm-enrich-demo.db'),
      ENCRYPTION_KEY: generateEncryptionKey(),
      LOG_LEVEL: 'warn',
      ENRICH_PROVIDERS: 'dataset',
      // A job-changes sync re-checks contacts enriched longer ago than the cache window: in the demo, all of them.
      CACHE_TTL_DAYS: '0',
      HUBSPOT_CLIENT_ID: hubspot.clientId,
      HUBSPOT_CLIENT_SECRET: hubspot.clientSecret,
      HUBSPOT_AUTHORIZE_URL: hubspot.authorizeUrl,
      HUBSPOT_API_BASE_URL: hubspot.url,
      SALESFORCE_CLIENT_ID: salesforce.clientId,
      SALESFORCE_CLIENT_SECRET: salesforce.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.url,
    });
    services = createServices(config, opts.log ? { log: opts.log } : {});
    running = await serve(services, { announce: false });
    const password = resetAdminPassword(services);
    const s = services;

    say('connecting HubSpot (OAuth install against the local stand-in)…');
    const hs = await installThroughOAuth(s, 'hubspot', 'Demo HubSpot');
    say('connecting Salesforce (OAuth install against the local stand-in)…');
    const sf = await installThroughOAuth(s, 'salesforce', 'Demo Salesforce');
    const story = await seedScenario({ services: s, url: running.url, hubspot, salesforce, hubspotConnection: hs, salesforceConnection: sf, say });

    const apiKey = s.repos.apiKeys.create(s.repos.accounts.ensure('demo').id, 'demo').key;
    const r = running;
    return {
      apiKey,
      url: config.PUBLIC_URL,
      adminUrl: `${config.PUBLIC_URL}/admin`,
      password,
      services: s,
      hubspot,
      salesforce,
      story,
      async stop() {
        await r.stop();
        s.close();
        await stopFakes();
      },
    };
  } catch (err) {
    await running?.stop().catch(() => {});
    services?.close();
    await stopFakes();
    throw err;
  }
}

/** Whether `port` on 127.0.0.1 can be listened on right now. */
async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  return new Promise((done) => {
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((ok, fail) => {
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', ok);
  });
  const { port } = srv.address() as import('node:net').AddressInfo;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

export { waitFor };
