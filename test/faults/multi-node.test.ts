// Three real `crm-enrich serve` processes on one PostgreSQL schema and one HubSpot portal (the stateful fake, in
// this process), one of each role (`--role web`, `worker`, `all`): a 3,000-contact backfill and a burst of signed
// webhooks for new contacts (duplicates and redeliveries among them, spread over the nodes serving HTTP), the node
// doing the work SIGKILLed mid-run and started again, and a schedule that fires every minute on every node that
// runs schedules. Then:
//   - every contact is written exactly once: HubSpot holds our values on each, and the fake's write log shows one
//     update per contact that changed any of our values (the batch the killed node wrote but did not commit is
//     redone, which only restamps enrichment_enriched_at: allowed after the kill, for one batch at most); our
//     database remembers each contact once (contact_snapshots);
//   - every contact is charged exactly once: one ledger row per contact, 3 credits, found;
//   - HubSpot never saw more calls in any 10-second span than the portal's TEN_SECONDLY_ROLLING limit (counted over
//     every request the fake received from all nodes, refused ones included; see PORTAL_LIMIT) nor more than 5
//     searches in a second;
//   - one run per scheduled firing: each minute that fired made exactly one run, unless the previous firing's run
//     was still queued or running (then the firing joins it), no minute made two, and a scheduler firing a minute
//     late (this process's, after that minute's run finished) makes none.
//
// Unlike test/faults/sigkill-backfill.test.ts, the killed node's leases are not expired by hand: the other nodes
// reclaim them through the queue once the real 30-second lease has run out, as they would in production.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, contactPropertyChangeEvent, sendWebhook, startHubSpotFake, type HubSpotFake, type WebhookEvent } from '../fakes/hubspot/index.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';
import { findPostgres, freshSchema, type FreshSchema } from '../helpers/pg.js';
import { assertAvailable, skipWithout } from '../helpers/required.js';
import { startService, type TestService } from '../helpers/service.js';
import type { RunRow } from '../../src/db/sync-runs.repo.js';
import { BIN, PUBLIC_URL, ROOT, rng, spawnServe, testSeed, waitFor, type ServeChild } from './support.js';

type RunSummary = Pick<RunRow, 'id' | 'mode' | 'trigger' | 'state' | 'created_at' | 'finished_at'>;

const CONTACTS = 3000;
const WEBHOOK_CONTACTS = 300;
/** The three nodes: one serves HTTP only, one works the queue and the schedules only, one does both. */
const ROLES = ['web', 'worker', 'all'] as const;
const MINUTE = 60_000;
/**
 * The portal's TEN_SECONDLY_ROLLING limit, for the fake and the nodes alike (HUBSPOT_RATE_LIMIT_PER_10S). HubSpot's
 * is 100, but this workload never presses against 100: one connection's batches run one at a time, a page of 100
 * contacts costs two calls, and unthrottled the three nodes make about 56 calls in their busiest 10 s. At 30 the
 * ~95 calls of the run must be spread over the nodes' shared window, so a node that counts only its own calls
 * would be caught (the fake records every call, refused ones too).
 */
const PORTAL_LIMIT = 30;
const BATCH_UPDATE = /^\/crm\/v3\/objects\/contacts\/batch\/update$/;

const postgres = findPostgres();

/** Only what the CLI needs from this environment (never the test runner's NODE_OPTIONS or loaders). */
function cliEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[k]) out[k] = process.env[k]!;
  return { ...out, LOG_LEVEL: 'warn', ...env };
}

/** JSONL dataset rows for the given emails: each one a person the dataset knows (so every contact is found). */
function datasetRows(emails: string[]): string {
  return emails
    .map((email, i) =>
      JSON.stringify({
        email,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        title: i % 3 === 0 ? 'Sales Manager' : i % 3 === 1 ? 'Senior Engineer' : 'VP Marketing',
        company: `Company ${i % 17}`,
        city: 'Berlin',
        country: 'Germany',
        department: 'Sales',
        company_size: '51-200',
      }),
    )
    .join('\n');
}

/** Most of the given times inside any span of `windowMs` (closed-open): the requests of every node, as the fake saw them. */
function maxInSpan(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[lo]! <= sorted[hi]! - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe.skipIf(skipWithout(postgres))('three nodes on one PostgreSQL, one SIGKILLed mid-backfill', () => {
  const seed = testSeed('multi-node');
  const r = rng(seed);
  let schema: FreshSchema | undefined;
  let fake: HubSpotFake;
  let t: TestService | undefined;
  let dir: string;
  let env: Record<string, string>;
  let connectionId: string;
  let backfillIds: string[];
  const nodes: (ServeChild | undefined)[] = [];

  beforeAll(async () => {
    assertAvailable(postgres);
    schema = await freshSchema('multi_node');
    dir = mkdtempSync(join(tmpdir(), 'crm-enrich-multi-node-'));
    // A little latency per call, like a real network: a page takes long enough that a kill lands mid-run.
    fake = await startHubSpotFake({ latencyMs: 15, rateLimit: { max: PORTAL_LIMIT, windowMs: 10_000 } });
    env = {
      ...hubspotEnv(fake),
      DATABASE_URL: schema.url,
      // Every node must decrypt the tokens another node stored.
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ENRICH_PROVIDERS: 'dataset',
      CACHE_TTL_DAYS: '0',
      HUBSPOT_RATE_LIMIT_PER_10S: String(PORTAL_LIMIT),
    };

    // The dataset, imported once by the CLI into the shared schema (which also applies the migrations).
    const backfillEmails = Array.from({ length: CONTACTS }, (_, i) => `node${i}@bulk.example`);
    const webhookEmails = Array.from({ length: WEBHOOK_CONTACTS }, (_, i) => `hook${i}@bulk.example`);
    const file = join(dir, 'people.jsonl');
    writeFileSync(file, datasetRows([...backfillEmails, ...webhookEmails]));
    const imported = await promisify(execFile)(process.execPath, [BIN, 'dataset', 'import', file], { cwd: ROOT, env: cliEnv(env) });
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: CONTACTS + WEBHOOK_CONTACTS, skipped: 0 });

    // This process connects the portal (OAuth through the fake) and reads the database afterwards; it runs no
    // worker and no scheduler: the three children do all the work.
    t = await startService({ env, backend: 'postgres', worker: false, scheduler: false });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    // Contacts that existed before the install: the backfill's business, not the "new records" schedule's.
    const yesterday = new Date(Date.now() - 86_400_000);
    backfillIds = backfillEmails.map((email) => fake.addContact({ email }, { createdAt: yesterday }).id);
    // Every node fires this every minute; each firing must make one run, not three.
    t.services.repos.runs.putSchedule(connectionId, 'new', '* * * * *', true, Date.now());
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) {
      if (node && node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGKILL');
        await node.exited;
      }
    }
    await t?.close();
    await fake?.close();
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when one of three nodes is SIGKILLed mid-backfill and restarted, then every contact is written and charged once, HubSpot never sees more than its limit per 10 s, and each firing makes one run', async () => {
    const services = t!.services;
    const db = services.db;
    const runs = () =>
      db.prepare(`SELECT id, mode, trigger, state, created_at, finished_at FROM sync_runs WHERE connection_id = ? ORDER BY created_at`).all(connectionId) as RunSummary[];
    const runState = (id: string) => services.repos.runs.get(id)!.state;
    const batchUpdates = () => fake.requests.filter((q) => q.method === 'POST' && BATCH_UPDATE.test(q.path) && q.status !== 429).length;
    const unfinished = db.prepare(`SELECT COUNT(*) FROM jobs WHERE connection_id = ? AND state != 'succeeded'`).pluck();
    const running = db.prepare(`SELECT id, leased_by, payload_json FROM jobs WHERE connection_id = ? AND state = 'running' AND name = ? ORDER BY id`);
    const chargedUnder = db.prepare(`SELECT COUNT(*) FROM credit_ledger WHERE idempotency_key = ?`).pluck();
    const snapshotOf = db.prepare(`SELECT COUNT(*) FROM contact_snapshots WHERE connection_id = ? AND object_type = 'contact' AND contact_id = ?`).pluck();
    const runCharges = db.prepare(`SELECT COUNT(*) FROM credit_ledger WHERE connection_id = ? AND idempotency_key LIKE ?`).pluck();
    /**
     * The node holding a running batch of `kind` that has charged contacts it has not committed yet (the moment a kill
     * leaves charges without snapshots), or undefined.
     */
    const holderWithUncommittedCharges = (kind: 'sync.run' | 'contact.enrich', runId: string): string | undefined => {
      for (const job of running.all(connectionId, kind) as { id: number; leased_by: string; payload_json: string }[]) {
        if (kind === 'sync.run') {
          const committed = services.repos.runs.get(runId)!.counts.found;
          if ((runCharges.get(connectionId, `run:${runId}:%`) as number) > committed) return job.leased_by;
        } else {
          const contactId = (JSON.parse(job.payload_json) as { contactId: string }).contactId;
          if (chargedUnder.get(`job:${job.id}:contact:${contactId}`) === 1 && snapshotOf.get(connectionId, contactId) === 0) return job.leased_by;
        }
      }
      return undefined;
    };
    const notes: string[] = [];
    const startedAt = Date.now();

    try {
      // Three nodes, started together on the schema the CLI migrated.
      const spawnNode = (i: number) => spawnServe(env, { readyTimeoutMs: 60_000, args: ['--role', ROLES[i]!] });
      nodes.push(...(await Promise.all(ROLES.map((_, i) => spawnNode(i)))));
      const allUpAt = Date.now();
      notes.push(`nodes up after ${allUpAt - startedAt} ms: pids ${nodes.map((n) => n!.pid).join(', ')}`);

      const { run: backfill } = services.runService.startRun(connectionId, 'backfill', 'test');

      // New contacts, announced by webhooks in deliveries of 1-12 events to any live node; some deliveries carry
      // a contact twice, some are delivered again (HubSpot's retry: same events, next attemptNumber) to another node.
      const newIds = Array.from({ length: WEBHOOK_CONTACTS }, (_, i) => fake.addContact({ email: `hook${i}@bulk.example` }).id);
      const deliveries: WebhookEvent[][] = [];
      for (let i = 0; i < newIds.length; ) {
        const n = r.int(1, 12);
        const events = newIds.slice(i, i + n).map((id) => contactCreationEvent(fake.portalId, id));
        if (r.chance(0.2)) events.push(contactPropertyChangeEvent(fake.portalId, events[0]!.objectId, 'email', fake.getContact(String(events[0]!.objectId))!.properties.email!));
        deliveries.push(events);
        i += n;
      }
      const isLive = (n: ServeChild | undefined): n is ServeChild => !!n && !n.child.killed && n.child.exitCode === null && n.child.signalCode === null;
      const live = () => nodes.filter(isLive);
      // Webhooks reach the nodes that serve HTTP (web and all), like a load balancer in front of them.
      const webNodes = () => nodes.filter((n, i) => isLive(n) && ROLES[i] !== 'worker') as ServeChild[];
      let redeliveries = 0;
      // The deliveries draw from their own generator: they run beside the kill, whose choices stay replayable.
      const hooks = rng(seed + 1);
      const post = async (events: WebhookEvent[], not?: ServeChild): Promise<ServeChild> => {
        for (let attempt = 1; ; attempt++) {
          const targets = webNodes().filter((n) => n !== not);
          const target = hooks.pick(targets.length ? targets : webNodes());
          try {
            const res = await sendWebhook(`${target.url}/webhooks/hubspot`, events, { clientSecret: fake.clientSecret, signedUrl: `${PUBLIC_URL}/webhooks/hubspot` });
            expect(res.status, await res.text()).toBe(200);
            return target;
          } catch (err) {
            // The node was killed while it held the request: HubSpot delivers again, to whichever node answers.
            if (!target.child.killed || attempt >= 5) throw err;
            redeliveries++;
            events = events.map((e) => ({ ...e, attemptNumber: e.attemptNumber + 1 }));
          }
        }
      };
      const deliver = async (batch: WebhookEvent[][]) => {
        for (const events of batch) {
          const first = await post(events);
          if (hooks.chance(0.25)) {
            redeliveries++;
            await post(events.map((e) => ({ ...e, attemptNumber: e.attemptNumber + 1 })), first);
          }
        }
      };
      const half = Math.ceil(deliveries.length / 2);

      // The node to kill holds either a backfill claim or a batch of webhook contacts, and has charged contacts it has
      // not committed: a contact charged by a dead webhook batch may be reached by the backfill before that batch is
      // redone (and the other way round), which must replay the charge, not make a second one.
      const picked = r.pick(['sync.run', 'contact.enrich'] as const);
      let kind: 'sync.run' | 'contact.enrich' = picked;
      const target = r.int(4, 12);
      await waitFor(`batch write ${target}`, () => batchUpdates() >= target, 90_000, 2);
      // The first half of the webhooks arrives while the node is picked and killed.
      const firstHalf = deliver(deliveries.slice(0, half));
      let holder: string | undefined;
      // The picked kind first. A webhook batch runs only between backfill pages (one running batch per connection), so
      // its charged-but-uncommitted moment can be rare on a loaded machine: after 20 s either kind will do, and after
      // 40 s any node holding a running batch of the connection (still a kill mid-run; the cross-path replay itself is
      // pinned deterministically by charge-once-paths.test.ts).
      const other = picked === 'sync.run' ? 'contact.enrich' : 'sync.run';
      const either = Date.now() + 20_000;
      const anyBatch = Date.now() + 40_000;
      await waitFor(
        'a node holding a batch it charged and has not committed (or, later, any running batch)',
        () => {
          holder = holderWithUncommittedCharges(picked, backfill.id);
          if (holder === undefined && Date.now() > either && (holder = holderWithUncommittedCharges(other, backfill.id)) !== undefined) kind = other;
          if (holder === undefined && Date.now() > anyBatch) {
            for (const k of ['sync.run', 'contact.enrich'] as const) {
              const job = running.get(connectionId, k) as { leased_by: string } | undefined;
              if (job) {
                holder = job.leased_by;
                kind = k;
                break;
              }
            }
          }
          return holder !== undefined;
        },
        120_000,
        2,
      );
      const victimIndex = nodes.findIndex((n) => holder!.includes(`:${n!.pid}:`));
      expect(victimIndex, `the lease holder ${holder} is one of the nodes`).toBeGreaterThanOrEqual(0);
      expect(runState(backfill.id), `the backfill finished before the kill; seed ${seed}`).not.toBe('succeeded');
      const victim = nodes[victimIndex]!;
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      const killedAt = Date.now();
      notes.push(`killed node ${victimIndex} (${ROLES[victimIndex]}, pid ${victim.pid}, holding a ${kind} batch as ${holder}) after ${batchUpdates()} batch writes, ${killedAt - startedAt} ms in; backfill checkpointed ${services.repos.runs.get(backfill.id)!.counts.checked}`);

      // The rest of the webhooks (and redeliveries) reach the survivors while the node is restarted.
      const restarted = spawnNode(victimIndex);
      await firstHalf;
      await deliver(deliveries.slice(half));
      nodes[victimIndex] = await restarted;
      notes.push(`restarted node ${victimIndex} as pid ${nodes[victimIndex]!.pid} ${Date.now() - killedAt} ms after the kill; ${deliveries.length} deliveries, ${redeliveries} redelivered`);

      const allIds = [...backfillIds, ...newIds];
      await waitFor(
        'the backfill to finish, the queue to drain and every contact to be written',
        () => runState(backfill.id) === 'succeeded' && unfinished.get(connectionId) === 0 && allIds.every((id) => fake.getContact(id)!.properties.enrichment_source === 'dataset'),
        180_000,
        100,
      );
      notes.push(`backfill done ${Date.now() - startedAt} ms in`);

      // At least one minute boundary passed with every node up and its run finished — early enough in its minute
      // that a node whose cron fires late can still fire that same minute.
      let firing: RunSummary | undefined;
      await waitFor(
        'a scheduled firing after all nodes were up, its run finished within its minute',
        () => {
          const scheduled = runs().filter((x) => x.trigger === 'schedule' && x.created_at >= allUpAt);
          const now = Date.now();
          // A firing names the minute nearest to its clock: late by less than half a minute, it names the same one.
          firing = scheduled.find((x) => x.state === 'succeeded' && Math.floor(x.created_at / MINUTE) === Math.floor(now / MINUTE) && now % MINUTE < 25_000);
          return firing !== undefined && scheduled.every((x) => x.state === 'succeeded') && unfinished.get(connectionId) === 0;
        },
        150_000,
        100,
      );
      // A fourth scheduler (this process's) fires that minute late, after its run has finished: the firing already
      // made its run, so this one makes none.
      const before = runs().length;
      services.scheduler.fire(connectionId, 'new');
      const late = runs().slice(before);
      notes.push(`late firing of ${new Date(firing!.created_at).toISOString().slice(0, 16)} made ${late.length} run(s)`);
      const endedAt = Date.now();

      for (const node of live()) node.child.kill('SIGTERM');
      for (const node of nodes) expect(await node!.exited, `node ${node!.pid} stops gracefully`).toEqual({ code: 0, signal: null });
      notes.push(`all done ${endedAt - startedAt} ms in`);

      // --- The backfill ---
      const done = services.repos.runs.get(backfill.id)!;
      expect(done.state).toBe('succeeded');
      expect(done.counts.errors).toBe(0);

      // --- Every contact written exactly once ---
      const unwritten = allIds.filter((id) => fake.getContact(id)!.properties.enrichment_source !== 'dataset');
      expect(unwritten, `seed ${seed}`).toEqual([]);
      // Our values (every property but the enrichment time stamp) were changed by exactly one write per contact. The
      // batch the killed node had written to HubSpot but not yet committed is redone by the node that reclaims it:
      // that redo finds our values already there and only restamps enrichment_enriched_at — after the kill, and for
      // one batch at most (a claim writes its batches one after the other, each committed before the next is
      // written: a webhook batch of up to 100, or the second page of a backfill claim).
      const valueWrites = new Map<string, number>();
      const restamped = new Set<string>();
      let repeats = 0;
      for (const w of fake.contactWrites) {
        const values = w.changed.filter((p) => p !== 'enrichment_enriched_at');
        if (values.length > 0) valueWrites.set(w.contactId, (valueWrites.get(w.contactId) ?? 0) + 1);
        else if (w.changed.length > 0) {
          restamped.add(w.contactId);
          expect(w.at, `contact ${w.contactId} restamped before the kill; seed ${seed}`).toBeGreaterThan(killedAt);
        } else repeats++;
      }
      notes.push(`contact updates: ${fake.contactWrites.length}; ${restamped.size} contacts restamped by the redo after the kill, ${repeats} updates changed nothing`);
      expect([...valueWrites].filter(([, n]) => n !== 1), `contacts whose values were written more than once; seed ${seed}`).toEqual([]);
      expect(new Set(valueWrites.keys())).toEqual(new Set(allIds));
      expect(restamped.size, `contacts restamped after the kill; seed ${seed}`).toBeLessThanOrEqual(100);
      expect(db.prepare('SELECT COUNT(*) FROM contact_snapshots WHERE connection_id = ?').pluck().get(connectionId)).toBe(allIds.length);

      // --- Every contact charged exactly once ---
      const ledger = db
        .prepare(`SELECT idempotency_key AS key, credits, outcome FROM credit_ledger WHERE connection_id = ?`)
        .all(connectionId) as { key: string | null; credits: number; outcome: string }[];
      const perContact = new Map<string, number>();
      for (const row of ledger) {
        const id = row.key?.split(':').at(-1) ?? '(no key)';
        perContact.set(id, (perContact.get(id) ?? 0) + 1);
      }
      expect([...perContact].filter(([, n]) => n !== 1), `contacts charged more than once; seed ${seed}`).toEqual([]);
      expect(new Set(perContact.keys())).toEqual(new Set(allIds));
      expect(ledger.filter((row) => row.credits !== 3 || row.outcome !== 'found'), `seed ${seed}`).toEqual([]);
      expect(ledger).toHaveLength(allIds.length);

      // --- HubSpot's limits, across the nodes ---
      const apiTimes = fake.requests.filter((q) => q.kind === 'api').map((q) => q.at);
      const searchTimes = fake.requests.filter((q) => q.kind === 'search').map((q) => q.at);
      const refused = fake.requests.filter((q) => q.status === 429).length;
      notes.push(`HubSpot calls: ${apiTimes.length} api (most in 10 s: ${maxInSpan(apiTimes, 10_000)}), ${searchTimes.length} search (most in 1 s: ${maxInSpan(searchTimes, 1_000)}), ${refused} refused with 429`);
      expect(maxInSpan(apiTimes, 10_000), `most HubSpot calls in a 10 s span; seed ${seed}`).toBeLessThanOrEqual(PORTAL_LIMIT);
      expect(maxInSpan(searchTimes, 1_000), `most HubSpot searches in a 1 s span; seed ${seed}`).toBeLessThanOrEqual(5);

      // --- One run per scheduled firing ---
      const all = runs();
      const scheduled = all.filter((x) => x.trigger === 'schedule');
      const newRuns = all.filter((x) => x.mode === 'new');
      const perMinute = new Map<number, number>();
      for (const x of scheduled) perMinute.set(Math.floor(x.created_at / MINUTE), (perMinute.get(Math.floor(x.created_at / MINUTE)) ?? 0) + 1);
      notes.push(`scheduled runs: ${scheduled.map((x) => `${new Date(x.created_at).toISOString()} ${x.state}`).join(', ')}`);
      expect([...perMinute].filter(([, n]) => n > 1), `minutes with more than one scheduled run; seed ${seed}`).toEqual([]);
      expect(newRuns.every((x) => x.trigger === 'schedule')).toBe(true);
      // Every boundary passed while the nodes were up (a firing lands within the minute it is due) made its run,
      // or found the previous firing's run still pending.
      for (let m = Math.ceil(allUpAt / MINUTE) * MINUTE; m + 5_000 <= endedAt; m += MINUTE) {
        const made = perMinute.get(m / MINUTE) ?? 0;
        const pending = newRuns.some((x) => x.created_at < m && (x.finished_at === null || x.finished_at > m));
        expect(made === 1 || pending, `the firing at ${new Date(m).toISOString()} made no run; seed ${seed}`).toBe(true);
      }

      expect(late, `a late firing of the minute ${new Date(firing!.created_at).toISOString()} made another run; seed ${seed}`).toEqual([]);

      // Nothing left behind in the queue.
      const states = db.prepare(`SELECT state, COUNT(*) AS n FROM jobs WHERE connection_id = ? GROUP BY state`).all(connectionId);
      expect(states).toEqual([{ state: 'succeeded', n: expect.any(Number) }]);
    } finally {
      // eslint-disable-next-line no-console
      console.info(`[multi-node] seed ${seed}\n  ${notes.join('\n  ')}`);
      const errors = nodes.flatMap((n, i) => (n?.lines ?? []).filter((l) => /"level":(50|60)/.test(l)).map((l) => `node ${i}: ${l.slice(0, 400)}`));
      // eslint-disable-next-line no-console
      if (errors.length) console.info(`[multi-node] error lines of the nodes:\n${errors.slice(0, 30).join('\n')}`);
    }
  }, 8 * 60_000); // its own waits: 90 s to the kill, 180 s to the finish, 150 s for a firing
});
