// When another process holds the database's write lock (test/faults/lock-db.mjs: BEGIN EXCLUSIVE
// after a real write, the way a CLI import or a backup tool would). For ~3 s: API requests and webhooks wait
// (busy_timeout is 10 s) and then succeed, nothing is lost, the server stays healthy. For longer than
// busy_timeout: a webhook is answered 5xx, so HubSpot delivers it again, the process does not crash, and
// nothing half-written is left behind; and the worker loop survives when it cannot record a batch's outcome.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { createQueue } from '../../src/jobs/queue.js';
import { createWorker, type JobHandler } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/lib/logger.js';
import { systemClock } from '../../src/lib/clock.js';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { post, type TestService } from '../helpers/service.js';
import { lockDb, PUBLIC_URL, snapshotTables, startFaultService, waitFor } from './support.js';

const env = (fake: HubSpotFake) => ({ ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0', API_RATE_LIMIT_PER_MINUTE: '0' });

async function setup(fake: HubSpotFake, worker: boolean) {
  const t = await startFaultService({ env: env(fake), worker });
  const { connectionId } = await installCrm(t, 'hubspot');
  return { t, connectionId };
}

function deliver(t: TestService, fake: HubSpotFake, ids: string[]) {
  return sendWebhook(`${t.url}/webhooks/hubspot`, ids.map((id) => contactCreationEvent(fake.portalId, id, { occurredAt: 1_700_000_000_000 + Number(id) })), {
    clientSecret: fake.clientSecret,
    signedUrl: `${PUBLIC_URL}/webhooks/hubspot`,
  });
}

const count = (t: TestService, sql: string, ...args: unknown[]) => t.services.db.prepare(sql).pluck().get(...args) as number;

describe('when another process holds the database lock for ~3 s', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  beforeAll(async () => {
    fake = await startHubSpotFake();
    ({ t, connectionId } = await setup(fake, true));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('then API requests and webhooks wait and succeed, nothing is lost, and the server stays healthy', async () => {
    const emails = importPeople(t, 60, { prefix: 'locked' });
    const ids = emails.map((email) => fake.addContact({ email }).id);
    const key = t.apiKey('lock');
    const ledgerBefore = count(t, 'SELECT COUNT(*) FROM credit_ledger WHERE connection_id IS NULL');

    const locker = lockDb(t.dbPath, 3_000);
    let lockerEnded = false;
    void locker.done.then(() => (lockerEnded = true));
    await locker.locked;

    // Everything is sent while the other process holds the lock.
    const api = emails.slice(0, 20).map((email) => post(`${t.url}/v1/profile/enrich`, { email }, { 'x-api-key': key }));
    const missing = post(`${t.url}/v1/profile/enrich`, { email: 'nobody@locked.example' }, { 'x-api-key': key });
    const hooks = [ids.slice(0, 20), ids.slice(20, 40), ids.slice(40)].map((batch) => deliver(t, fake, batch));
    const health = fetch(`${t.url}/healthz`);
    const sentWhileLocked = !lockerEnded;

    const [apiRes, missingRes, hookRes, healthRes] = await Promise.all([Promise.all(api), missing, Promise.all(hooks), health]);
    const lockerExit = await locker.done;
    expect(sentWhileLocked, 'the requests were sent while the lock was held').toBe(true);
    expect(lockerExit.code, lockerExit.out).toBe(0);
    expect(lockerExit.out).toMatch(/released/);

    expect(apiRes.map((r) => r.status)).toEqual(apiRes.map(() => 200));
    expect(apiRes.every((r) => r.body.found === true && r.body.credits_charged === 3)).toBe(true);
    expect(missingRes.status).toBe(200);
    expect(missingRes.body).toMatchObject({ found: false, credits_charged: 0 });
    expect(hookRes.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(healthRes.status).toBe(200);

    // Nothing lost: 21 ledger rows for the API, one job per contact, and every contact written by the worker.
    expect(count(t, 'SELECT COUNT(*) FROM credit_ledger WHERE connection_id IS NULL') - ledgerBefore).toBe(21);
    expect(count(t, `SELECT COUNT(*) FROM jobs WHERE connection_id = ? AND name = 'contact.enrich'`, connectionId)).toBe(ids.length);
    await waitFor('the worker to write every contact', () => ids.every((id) => fake.getContact(id)!.properties.enrichment_source === 'dataset'), 30_000, 50);
    await waitFor('the queue to drain', () => count(t, `SELECT COUNT(*) FROM jobs WHERE state != 'succeeded'`) === 0, 30_000, 50);
    expect(count(t, 'SELECT COUNT(*) FROM credit_ledger WHERE connection_id = ?', connectionId)).toBe(ids.length);

    // Still healthy afterwards.
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const again = await post(`${t.url}/v1/profile/enrich`, { email: emails[59] }, { 'x-api-key': key });
    expect(again.status).toBe(200);
  });
});

describe('when another process holds the database lock longer than busy_timeout (10 s)', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  beforeAll(async () => {
    fake = await startHubSpotFake();
    // No worker: the webhook is the only writer, so it is the one that meets the timeout.
    ({ t, connectionId } = await setup(fake, false));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('then a webhook is answered 5xx without crashing, nothing half-written remains, and the redelivery is queued', async () => {
    const emails = importPeople(t, 5, { prefix: 'longlock' });
    const ids = emails.map((email) => fake.addContact({ email }).id);
    const before = snapshotTables(t.services.db);

    const locker = lockDb(t.dbPath, 12_000);
    await locker.locked;
    const res = await deliver(t, fake, ids);
    const text = await res.text();
    expect(res.status, text).toBeGreaterThanOrEqual(500);
    expect(res.status, text).toBeLessThan(600);
    expect(text).not.toMatch(/SQLITE|sqlite|locked|at .*\.ts/);
    // Still locked: the process answers, and no table changed (reads work while another process writes).
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(snapshotTables(t.services.db)).toEqual(before);
    const lockerExit = await locker.done;
    expect(lockerExit.code, lockerExit.out).toBe(0);
    expect(snapshotTables(t.services.db)).toEqual(before);

    // HubSpot delivers the batch again: queued once per contact, and the contacts get enriched.
    const redelivered = await deliver(t, fake, ids);
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toMatchObject({ queued: ids.length });
    expect(count(t, `SELECT COUNT(*) FROM jobs WHERE connection_id = ?`, connectionId)).toBe(ids.length);
    await t.services.createWorker({ concurrency: 1 }).drain();
    for (const id of ids) expect(fake.getContact(id)!.properties.enrichment_source, id).toBe('dataset');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});

describe('when the lock outlasts busy_timeout just as the worker records a batch outcome', () => {
  it('then the worker loop survives (no unhandled rejection), and the job is finished by a later claim', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-worker-lock-'));
    const path = join(dir, 'queue.db');
    // A short busy_timeout stands in for the server's 10 s: the lock below outlasts it in a second, not in 11.
    const db = openDb(path, { busyTimeoutMs: 200 });
    db.prepare(`INSERT INTO settings (key, value) VALUES ('k', 'v')`).run();
    const queue = createQueue(db, { clock: systemClock });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const runs: number[] = [];
    let locker: ReturnType<typeof lockDb> | undefined;
    const handler: JobHandler = {
      batchSize: 1,
      async run(jobs) {
        runs.push(jobs[0]!.id);
        // The first time, another process takes the lock while the batch finishes: its outcome cannot be recorded.
        if (runs.length === 1) {
          locker = lockDb(path, 1_000);
          await locker.locked;
        }
        return [{ id: jobs[0]!.id, outcome: 'succeeded' }];
      },
    };
    const worker = createWorker({ queue, handlers: { 'test.job': handler }, log: createLogger({ level: 'silent' }), concurrency: 1, leaseMs: 300, idlePollMs: 50 });
    try {
      const first = queue.enqueue('test.job', {}).id;
      worker.start();
      let released = false;
      await waitFor('the other process to take the lock', () => locker !== undefined, 15_000, 20);
      void locker!.done.then(() => (released = true));
      await waitFor('the other process to release the lock', () => released, 15_000, 20);
      const second = queue.enqueue('test.job', {}).id;
      worker.poke();
      await waitFor('both jobs to succeed', () => queue.get(first)!.state === 'succeeded' && queue.get(second)!.state === 'succeeded', 15_000, 20);
      expect(rejections).toEqual([]);
      // The first job ran again after its lease ended (its first outcome was never recorded); the second once.
      expect(runs.filter((id) => id === first).length).toBeGreaterThanOrEqual(2);
      expect(runs.filter((id) => id === second)).toEqual([second]);
    } finally {
      process.off('unhandledRejection', onRejection);
      locker?.kill();
      await worker.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
