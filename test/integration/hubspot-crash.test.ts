// A worker that dies in the middle of a batch (after enriching, before HubSpot answered the write) is
// replaced by another process on the same database: the batch is resumed, every contact is written, and no
// contact is charged twice. On SQLite (one file) and on PostgreSQL (one schema).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { connectionLedger, hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { waitFor } from '../helpers/wait.js';
import { describeEachBackend, TEST_ENCRYPTION_KEY } from '../helpers/backends.js';
import { freshSchema, type FreshSchema } from '../helpers/pg.js';

describeEachBackend('a worker killed mid-batch', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-crash-'));
  let fake: HubSpotFake;
  let first: TestService;
  let second: TestService | undefined;
  // Both processes open one store: the folder's SQLite file, or one PostgreSQL schema (the first never closes).
  let schema: FreshSchema | undefined;
  afterAll(async () => {
    await second?.close();
    await fake?.close();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when it dies while HubSpot holds the batch write, then a restarted worker finishes it and charges nobody twice', async () => {
    fake = await startHubSpotFake();
    if (backend === 'postgres') schema = await freshSchema('crash');
    const store: Record<string, string> = schema ? { DATABASE_URL: schema.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {};
    const env = { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0', ...store };
    first = await startService({ env, dir, leaseMs: 600 });
    const { connectionId } = await installCrm(first, 'hubspot');
    const emails = importPeople(first, 150, { prefix: 'crash' });
    const ids = emails.map((email) => fake.addContact({ email }).id);
    for (let i = 0; i < ids.length; i += 100) {
      const res = await sendWebhook(`${first.url}/webhooks/hubspot`, ids.slice(i, i + 100).map((id) => contactCreationEvent(fake.portalId, id)), {
        clientSecret: fake.clientSecret,
        signedUrl: `${first.services.config.PUBLIC_URL}/webhooks/hubspot`,
      });
      expect(res.status).toBe(200);
    }

    // The first worker enriches its batch, then HubSpot never answers the write: the process is as good as dead.
    fake.inject({ method: 'POST', path: /\/crm\/v3\/objects\/contacts\/batch\/update$/, status: 200, times: 1, hang: true });
    const doomed = first.services.createWorker({ concurrency: 1, leaseMs: 600 });
    const abandoned = doomed.drain().catch(() => undefined);
    await waitFor('the first batch of 100 to be charged', () => connectionLedger(first, connectionId).length >= 100);
    const chargedBeforeCrash = connectionLedger(first, connectionId).length;
    expect(chargedBeforeCrash).toBe(100);
    expect(ids.every((id) => !fake.getContact(id)!.properties.enrichment_source)).toBe(true);
    // "Kill" the first process: its server stops and its database handle goes away, so its heartbeats stop.
    await first.running.stop().catch(() => undefined);
    first.services.close();

    // A new process on the same database: the lease expires, its worker claims the batch and completes it.
    second = await startService({ env, dir, leaseMs: 600 });
    const db = second.services.db;
    // Wait for the event, not for a time: the dead worker's lease has run out (no heartbeat extends it any more).
    await waitFor('the dead worker\'s lease to expire', () => (db.prepare(`SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_until >= ?`).pluck().get(Date.now()) as number) === 0);
    const worker = second.services.createWorker({ concurrency: 1, leaseMs: 600 });
    await waitFor('the new worker to finish every job', async () => {
      await worker.drain();
      return (db.prepare(`SELECT COUNT(*) FROM jobs WHERE state != 'succeeded'`).pluck().get() as number) === 0;
    });
    for (const id of ids) expect(fake.getContact(id)!.properties.enrichment_source, id).toBe('dataset');
    const ledger = connectionLedger(second, connectionId);
    expect(ledger).toHaveLength(150);
    expect(ledger.every((r) => r.credits === 3)).toBe(true);
    void abandoned;
  });
});
