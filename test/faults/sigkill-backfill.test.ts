// The real `crm-enrich serve` process is killed with SIGKILL five times during a 2,000-contact
// HubSpot backfill and restarted each time. Then every contact is written, every contact is charged exactly
// once, and the run finished `succeeded`.
//
// The lease of a claimed job is 30 s in the server. Waiting for it five times would take minutes, so after each
// SIGKILL the test expires the leases held by the dead process (and only those: its worker id carries its pid)
// in the database — exactly the state the queue reaches once 30 s have passed — and the restarted worker
// re-claims through the normal path (claim → reclaimExpired → retry → running).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { startService, type TestService } from '../helpers/service.js';
import { rng, spawnServe, testSeed, waitFor, type ServeChild } from './support.js';
import { sleep } from '../../src/lib/clock.js';

const CONTACTS = 2000;
const KILLS = 5;
const BATCH_UPDATE = /^\/crm\/v3\/objects\/contacts\/batch\/update$/;

describe('SIGKILL during a backfill', () => {
  const seed = testSeed('sigkill-backfill');
  const r = rng(seed);
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let contactIds: string[];
  let child: ServeChild | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    // A little latency per call, like a real network: a page takes long enough that a kill lands mid-run.
    fake = await startHubSpotFake({ latencyMs: 15 });
    env = { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' };
    // This process prepares the database (install, dataset) and only reads it afterwards; the child does the work.
    t = await startService({ env, worker: false, scheduler: false });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    const emails = importPeople(t, CONTACTS, { prefix: 'kill' });
    // Contacts that existed before the install: the backfill's business, not the "new records" poll's.
    const yesterday = new Date(Date.now() - 86_400_000);
    contactIds = emails.map((email) => fake.addContact({ email }, { createdAt: yesterday }).id);
    fake.resetRateLimits();
    fake.resetRequests();
  });

  afterAll(async () => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    await t?.close();
    await fake?.close();
  });

  const run = (id: string) => t.services.repos.runs.get(id)!;
  const batchUpdates = () => fake.requests.filter((q) => q.method === 'POST' && BATCH_UPDATE.test(q.path)).length;

  it('when the server is SIGKILLed five times mid-run and restarted, then every contact is written and charged once, and the run succeeds', async () => {
    const { run: started } = t.services.runService.startRun(connectionId, 'backfill', 'test');
    const kills: string[] = [];
    // Five distinct kill points among the first 16 of the 20 page writes, each plus 0-100 ms: sometimes while
    // HubSpot holds the write, sometimes while the local transaction or the next page read is under way. Spreading
    // them over the run (not "1-3 more writes" after each restart) keeps the last kill before the run can finish.
    const points = new Set<number>();
    while (points.size < KILLS) points.add(r.int(1, 16));
    const targets = [...points].sort((a, b) => a - b);
    try {
      for (let k = 0; k < KILLS; k++) {
        child = await spawnServe({ ...env, DATABASE_PATH: t.dbPath });
        const delay = r.int(0, 100);
        const target = Math.max(targets[k]!, batchUpdates() + 1);
        await waitFor(`batch write ${target} from the server (kill ${k + 1})`, () => batchUpdates() >= target, 60_000, 2);
        if (delay) await sleep(delay);
        expect(run(started.id).state, `the run finished before kill ${k + 1}; seed ${seed}`).not.toBe('succeeded');
        child.child.kill('SIGKILL');
        const exit = await child.exited;
        expect(exit.signal).toBe('SIGKILL');
        const expired = t.services.db
          .prepare(`UPDATE jobs SET lease_until = ? WHERE state = 'running' AND leased_by LIKE ?`)
          .run(Date.now() - 1, `%:${child.pid}:%`).changes;
        const counts = run(started.id).counts;
        kills.push(`kill ${k + 1}: after ${target} batch writes +${delay} ms, checkpointed ${counts.checked}, leases expired ${expired}`);
      }

      // The last start runs to the end; SIGTERM then stops it gracefully.
      child = await spawnServe({ ...env, DATABASE_PATH: t.dbPath });
      const pending = t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE connection_id = ? AND state != 'succeeded'`).pluck();
      await waitFor('the run to finish and the queue to drain', () => run(started.id).state === 'succeeded' && pending.get(connectionId) === 0, 90_000, 50);
      child.child.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: 0, signal: null });
    } finally {
      // eslint-disable-next-line no-console
      console.info(`[sigkill-backfill] seed ${seed}\n  ${kills.join('\n  ')}`);
    }

    const final = run(started.id);
    expect(final.state).toBe('succeeded');
    expect(final.counts).toMatchObject({ checked: CONTACTS, enriched: CONTACTS, errors: 0, credits: 3 * CONTACTS });

    // Every contact written.
    const unwritten = contactIds.filter((id) => fake.getContact(id)!.properties.enrichment_source !== 'dataset');
    expect(unwritten, `seed ${seed}`).toEqual([]);

    // Every contact charged exactly once: one ledger row per contact, 3 credits each, nothing else on the connection.
    const rows = t.services.db
      .prepare(`SELECT idempotency_key AS key, credits, outcome FROM credit_ledger WHERE connection_id = ?`)
      .all(connectionId) as { key: string | null; credits: number; outcome: string }[];
    const perContact = new Map<string, number>();
    for (const row of rows) {
      const id = row.key?.split(':').at(-1) ?? '(no key)';
      perContact.set(id, (perContact.get(id) ?? 0) + 1);
    }
    expect([...perContact].filter(([, n]) => n !== 1), `contacts charged more than once; seed ${seed}`).toEqual([]);
    expect(new Set(perContact.keys())).toEqual(new Set(contactIds));
    expect(rows.every((row) => row.credits === 3 && row.outcome === 'found')).toBe(true);
    expect(rows).toHaveLength(CONTACTS);

    // Nothing left behind in the queue, and every contact remembered once.
    const states = t.services.db.prepare(`SELECT state, COUNT(*) AS n FROM jobs WHERE connection_id = ? GROUP BY state`).all(connectionId);
    expect(states).toEqual([{ state: 'succeeded', n: expect.any(Number) }]);
    expect(t.services.db.prepare('SELECT COUNT(*) FROM contact_snapshots WHERE connection_id = ?').pluck().get(connectionId)).toBe(CONTACTS);
  }, 5 * 60_000); // its own waits allow 60 s per kill and 90 s for the finish: the default 60 s would cut them short
});
