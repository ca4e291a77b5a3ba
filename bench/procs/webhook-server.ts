// Child: the real service with a HubSpot portal connected (install flow against the HubSpot fake, which then
// stays idle in this process), worker and scheduler off, so webhook intake is all that runs.
import { serve, type Running } from '../../src/main.js';
import { startHubSpotFake, type HubSpotFake } from '../../test/fakes/hubspot/index.js';
import { serveRpc, cpuMs } from '../lib/ipc.js';
import { createBenchServices, installCrm, PUBLIC_URL, storeInfo } from '../lib/service.js';
import type { Services } from '../../src/main.js';

let running: Running | undefined;
let fake: HubSpotFake | undefined;
let services: Services | undefined;
let cleanup: (() => void) | undefined;

async function start() {
  fake = await startHubSpotFake();
  const b = createBenchServices('webhooks', {
    HUBSPOT_CLIENT_ID: fake.clientId,
    HUBSPOT_CLIENT_SECRET: fake.clientSecret,
    HUBSPOT_AUTHORIZE_URL: fake.authorizeUrl,
    HUBSPOT_API_BASE_URL: fake.url,
  });
  services = b.services;
  cleanup = b.cleanup;
  const connectionId = await installCrm(services, 'hubspot');
  running = await serve(services, { port: 0, host: '127.0.0.1', announce: false, worker: false, scheduler: false });
  return {
    port: Number(new URL(running.url).port),
    connectionId,
    portalId: fake.portalId,
    clientSecret: fake.clientSecret,
    signedUrl: `${PUBLIC_URL}/webhooks/hubspot`,
    store: storeInfo(services),
  };
}

function jobs(): Record<string, number> {
  const rows = services!.db.prepare(`SELECT name, state, COUNT(*) AS n FROM jobs GROUP BY name, state`).all() as { name: string; state: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [`${r.name}:${r.state}`, r.n]));
}

serveRpc({
  start,
  jobs,
  cpu: () => cpuMs(),
  rss: () => process.memoryUsage.rss(),
  async stop() {
    await running?.stop();
    await fake?.close();
    cleanup?.();
  },
});
