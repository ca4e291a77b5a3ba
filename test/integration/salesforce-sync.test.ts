// Sync runs against the stateful Salesforce fake through the real service: a 1,000-record backfill in
// collection writes, sessions that expire mid-run (with and without refresh-token rotation) and the daily API
// budget pause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake, type SalesforceFakeOptions } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { importPeople, installCrm, outboundUrl, salesforceEnv } from '../helpers/crm.js';
import { fixedClock, type Clock } from '../../src/lib/clock.js';
import type { JobRow } from '../../src/jobs/queue.js';

interface Setup {
  fake: SalesforceFake;
  t: TestService;
  connectionId: string;
}

async function setup(fakeOpts: SalesforceFakeOptions = {}, clock?: Clock): Promise<Setup> {
  const fake = await startSalesforceFake(fakeOpts);
  const t = await startService({ env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' }, ...(clock ? { clock } : {}) });
  const { connectionId } = await installCrm(t, 'salesforce');
  return { fake, t, connectionId };
}

async function teardown(s: Setup | undefined): Promise<void> {
  await s?.t.close();
  await s?.fake.close();
}

const isCollectionsWrite = (r: SalesforceFake['requests'][number]) => r.method === 'PATCH' && /\/composite\/sobjects$/.test(r.path);
const tokenRefreshes = (fake: SalesforceFake) => fake.requests.filter((r) => r.path === '/services/oauth2/token' && r.status === 200).length;

/** Adds `n` contacts the dataset knows, returns their ids. */
function contacts(s: Setup, n: number, prefix: string): string[] {
  const emails = importPeople(s.t, n, { prefix });
  return s.fake.addRecords('Contact', n, (i) => ({ FirstName: `First${i}`, LastName: `Last${i}`, Email: emails[i] })).map((r) => r.Id);
}

function startRun(s: Setup, mode: 'new' | 'backfill' | 'job-changes') {
  return s.t.services.runService.startRun(s.connectionId, mode, 'test');
}

const drain = (s: Setup) => s.t.services.createWorker({ concurrency: 1 }).drain();

describe('Salesforce backfill and session expiry', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(() => teardown(s));

  it('when 1,000 contacts are backfilled, then they are written in at most 5 collection calls', async () => {
    const ids = contacts(s, 1000, 'bulk');
    s.fake.resetRequests();
    const { run } = startRun(s, 'backfill');
    await drain(s);
    const r = s.t.services.repos.runs.get(run.id)!;
    expect(r.state, r.error ?? '').toBe('succeeded');
    expect(r.counts).toMatchObject({ checked: 1000, enriched: 1000, written: 1000, errors: 0 });
    expect(r.total).toBe(1000);
    const writes = s.fake.requests.filter(isCollectionsWrite);
    expect(writes.length).toBeLessThanOrEqual(5);
    expect(writes.every((w) => w.status === 200)).toBe(true);
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c'], id).toBe('dataset');
    expect(s.fake.getRecord(ids[999]!)).toMatchObject({ Title: 'Sales Manager', MailingCity: 'Berlin', MailingCountry: 'Germany', Enrichment_Seniority__c: 'Manager' });
  });

  it('when the session expires in the middle of a run, then it is refreshed once and the run continues', async () => {
    const ids = contacts(s, 450, 'expiry');
    const ctx = s.t.services.registry.get(s.connectionId);
    const realList = ctx.session.list.bind(ctx.session);
    let pages = 0;
    // After the first page was read (and before it is written), Salesforce ends every session.
    ctx.session.list = async (ot, p) => {
      const page = await realList(ot, p);
      if (ot === 'contact' && pages++ === 0) s.fake.expireAccessTokens();
      return page;
    };
    const tokensBefore = s.t.services.repos.connections.tokens(s.connectionId);
    s.fake.resetRequests();
    try {
      const { run } = startRun(s, 'backfill');
      await drain(s);
      const r = s.t.services.repos.runs.get(run.id)!;
      expect(r.state, r.error ?? '').toBe('succeeded');
      expect(r.counts).toMatchObject({ enriched: 450, errors: 0 });
    } finally {
      ctx.session.list = realList;
    }
    expect(pages).toBeGreaterThan(1);
    expect(tokenRefreshes(s.fake)).toBe(1);
    const refused = s.fake.requests.filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c'], id).toBe('dataset');
    const tokensAfter = s.t.services.repos.connections.tokens(s.connectionId);
    expect(tokensAfter.accessToken).not.toBe(tokensBefore.accessToken);
    expect(tokensAfter.refreshToken).toBe(tokensBefore.refreshToken); // no rotation: the refresh token is kept
    expect(s.t.services.repos.connections.get(s.connectionId)!.status).toBe('connected');
  });
});

describe('Salesforce with refresh-token rotation', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup({ rotateRefreshTokens: true, orgId: '00D000000000003AAA' });
  });
  afterAll(() => teardown(s));

  it('when the session expires twice in a row, then both refreshes succeed and each rotated token is stored encrypted', async () => {
    const repo = s.t.services.repos.connections;
    const seen = [{ enc: repo.get(s.connectionId)!.tokens_enc, refresh: repo.tokens(s.connectionId).refreshToken }];
    for (const round of [0, 1]) {
      const ids = contacts(s, 5, `rotate${round}-`);
      s.fake.expireAccessTokens();
      s.fake.resetRequests();
      for (const id of ids) await s.fake.sendOutboundMessage(outboundUrl(s.t, s.connectionId), 'Contact', [id]);
      await drain(s);
      for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c'], `round ${round}`).toBe('dataset');
      expect(tokenRefreshes(s.fake)).toBe(1);
      seen.push({ enc: repo.get(s.connectionId)!.tokens_enc, refresh: repo.tokens(s.connectionId).refreshToken });
    }
    // Three distinct refresh tokens (install, rotation 1, rotation 2), each persisted, none stored in clear.
    expect(new Set(seen.map((x) => x.refresh)).size).toBe(3);
    expect(new Set(seen.map((x) => x.enc)).size).toBe(3);
    for (const x of seen) expect(x.enc).not.toContain(x.refresh);
    expect(repo.get(s.connectionId)!.status).toBe('connected');
    const dead = s.t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE state IN ('dead', 'retry')`).pluck().get();
    expect(dead).toBe(0);
  });
});

describe('Salesforce daily API budget', () => {
  let s: Setup;
  const clock = fixedClock(Date.now());
  beforeAll(async () => {
    s = await setup({ orgId: '00D000000000004AAA' }, clock);
  });
  afterAll(() => teardown(s));

  it('when 90% of the daily allocation is used, then the run waits without writing or burning attempts, and completes once usage drops', async () => {
    const ids = contacts(s, 30, 'budget');
    const { limit } = s.fake.apiUsage();
    s.fake.setApiUsage(0.9 * limit);
    s.fake.resetRequests();
    const { run, jobId } = startRun(s, 'backfill');
    await drain(s);
    const job = () => s.t.services.queue.get(jobId) as JobRow;
    const paused = job();
    expect(['retry', 'queued']).toContain(paused.state);
    expect(paused.run_at).toBeGreaterThan(clock.now());
    expect(paused.attempts).toBe(0);
    expect(paused.last_error).toMatch(/budget/i);
    expect(s.fake.requests.filter(isCollectionsWrite)).toHaveLength(0);
    // Background work stops right after the call that reported the usage, not after one call per contact.
    expect(s.fake.requests.filter((r) => r.kind === 'rest').length).toBeLessThanOrEqual(2);
    expect(s.t.services.repos.runs.get(run.id)!.state).not.toBe('failed');

    // Still paused a minute later, even though usage dropped: nothing is claimed before run_at.
    s.fake.setApiUsage(0);
    clock.advance(60_000);
    await drain(s);
    expect(job().state).toBe(paused.state);
    expect(s.fake.requests.filter(isCollectionsWrite)).toHaveLength(0);

    // After the pause, one probing call finds the budget free again and the run completes.
    clock.set(paused.run_at + 1_000);
    await drain(s);
    const r = s.t.services.repos.runs.get(run.id)!;
    expect(r.state, r.error ?? '').toBe('succeeded');
    expect(r.counts).toMatchObject({ enriched: 30, errors: 0 });
    expect(job()).toMatchObject({ state: 'succeeded', attempts: 1 });
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c']).toBe('dataset');
    expect(s.fake.requests.filter(isCollectionsWrite).length).toBeGreaterThan(0);
  });

  it('when the budget runs out between reading a page and writing it, then the write waits and nobody is charged twice', async () => {
    const ids = contacts(s, 10, 'midrun');
    const ctx = s.t.services.registry.get(s.connectionId);
    const realList = ctx.session.list.bind(ctx.session);
    ctx.session.list = async (ot, p) => {
      // The page comes back with a Sforce-Limit-Info that says the day is nearly used up.
      s.fake.setApiUsage(0.95 * s.fake.apiUsage().limit);
      return realList(ot, p);
    };
    s.fake.resetRequests();
    const { run, jobId } = startRun(s, 'backfill');
    try {
      await drain(s);
    } finally {
      ctx.session.list = realList;
    }
    const paused = s.t.services.queue.get(jobId)!;
    expect(paused).toMatchObject({ state: 'retry', attempts: 0 });
    expect(s.fake.requests.filter(isCollectionsWrite)).toHaveLength(0);
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c'] ?? null).toBeNull();

    s.fake.setApiUsage(0);
    clock.set(paused.run_at + 1_000);
    await drain(s);
    const r = s.t.services.repos.runs.get(run.id)!;
    expect(r.state, r.error ?? '').toBe('succeeded');
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c']).toBe('dataset');
    // Each contact was enriched before the pause and again after it, under the run's idempotency key: one charge.
    const charged = s.t.services.db
      .prepare(`SELECT idempotency_key, COUNT(*) AS n, SUM(credits) AS credits FROM credit_ledger WHERE idempotency_key LIKE ? GROUP BY idempotency_key`)
      .all(`run:${run.id}:%`) as { n: number; credits: number }[];
    expect(charged).toHaveLength(10);
    for (const c of charged) expect(c.n).toBe(1);
  });

  it('when the budget is spent while Outbound Messages are queued, then their jobs wait instead of failing', async () => {
    const ids = contacts(s, 3, 'obm-budget');
    s.fake.setApiUsage(0.9 * s.fake.apiUsage().limit);
    s.fake.resetRequests();
    for (const id of ids) expect((await s.fake.sendOutboundMessage(outboundUrl(s.t, s.connectionId), 'Contact', [id])).status).toBe(200);
    await drain(s); // the first call reports the usage; the jobs are parked
    await drain(s);
    const parked = s.t.services.db.prepare(`SELECT state, attempts, run_at FROM jobs WHERE name = 'contact.enrich' AND state != 'succeeded'`).all() as { state: string; attempts: number; run_at: number }[];
    expect(parked).toHaveLength(3);
    for (const j of parked) expect(j).toMatchObject({ state: 'retry', attempts: 0 });
    expect(s.fake.requests.filter(isCollectionsWrite)).toHaveLength(0);
    s.fake.setApiUsage(0);
    clock.set(Math.max(...parked.map((j) => j.run_at)) + 1_000);
    await drain(s);
    for (const id of ids) expect(s.fake.getRecord(id)!['Enrichment_Source__c']).toBe('dataset');
  });
});
