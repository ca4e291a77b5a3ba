// Child: the real service with one Salesforce org connected (install flow against the Salesforce fake, which then
// stays idle in this process); worker and scheduler off. The hostile benchmark posts at it.
import { serve, type Running, type Services } from '../../src/main.js';
import { startSalesforceFake, type SalesforceFake } from '../../test/fakes/salesforce/index.js';
import { serveRpc, cpuMs } from '../lib/ipc.js';
import { createBenchServices, installCrm } from '../lib/service.js';

let running: Running | undefined;
let fake: SalesforceFake | undefined;
let services: Services | undefined;
let cleanup: (() => void) | undefined;

async function start() {
  fake = await startSalesforceFake();
  const b = createBenchServices('hostile', { SALESFORCE_CLIENT_ID: fake.clientId, SALESFORCE_CLIENT_SECRET: fake.clientSecret, SALESFORCE_LOGIN_URL: fake.url });
  services = b.services;
  cleanup = b.cleanup;
  const connectionId = await installCrm(services, 'salesforce');
  running = await serve(services, { port: 0, host: '127.0.0.1', announce: false, worker: false, scheduler: false });
  const url = services.outboundEndpoints.url(services.repos.connections.get(connectionId)!)!;
  return { port: Number(new URL(running.url).port), outboundPath: new URL(url).pathname, orgId: fake.orgId };
}

serveRpc({
  start,
  cpu: () => cpuMs(),
  jobs: () => services!.db.prepare(`SELECT COUNT(*) FROM jobs`).pluck().get() as number,
  async stop() {
    await running?.stop();
    await fake?.close();
    cleanup?.();
  },
});
