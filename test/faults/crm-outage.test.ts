// When HubSpot answers 500s, 429s and not at all (timeouts) for a while; everything is written
// afterwards and nobody is charged twice. In-process service, the real worker loop draining the queue, the
// HubSpot fake injecting the faults. The per-call timeout is shortened to 300 ms (a composition option, like
// the job lease) so a hung HubSpot request costs a fraction of a second instead of 30 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import type { TestService } from '../helpers/service.js';
import { PUBLIC_URL, startFaultService, waitFor } from './support.js';

const BATCH_READ = /^\/crm\/v3\/objects\/contacts\/batch\/read$/;
const BATCH_UPDATE = /^\/crm\/v3\/objects\/contacts\/batch\/update$/;
const LIST = /^\/crm\/v3\/objects\/contacts$/;
// HubSpot's per-second policy: the connector waits a second, not a whole ten-second window.
const SECONDLY = { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY', correlationId: 'c0ffee00-0000-4000-8000-000000000001' };
const PROXY_502 = '<html><body><h1>502 Bad Gateway</h1></body></html>';

describe('when HubSpot fails for a while', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startFaultService({
      env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' },
      worker: true,
      services: { crmCallTimeoutMs: 300 },
    });
    ({ connectionId } = await installCrm(t, 'hubspot'));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const ledgerPerContact = () => {
    const rows = t.services.db.prepare('SELECT idempotency_key AS key, credits FROM credit_ledger WHERE connection_id = ?').all(connectionId) as { key: string; credits: number }[];
    const per = new Map<string, number[]>();
    for (const r of rows) per.set(r.key.split(':').at(-1)!, [...(per.get(r.key.split(':').at(-1)!) ?? []), r.credits]);
    return per;
  };
  const unfinishedJobs = () => t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE connection_id = ? AND state != 'succeeded'`).pluck().get(connectionId) as number;
  const statuses = (path: RegExp) => fake.requests.filter((q) => path.test(q.path)).map((q) => q.status);

  it('when webhooks arrive while batch reads and writes get 500s, 429s, a proxy 502 and hung requests, then every contact is written and charged once', async () => {
    const emails = importPeople(t, 200, { prefix: 'outage' });
    const ids = emails.map((email) => fake.addContact({ email }).id);
    fake.resetRequests();
    // In the order HubSpot will serve them to the connector's sequential calls.
    fake.inject({ method: 'POST', path: BATCH_READ, status: 500, times: 1 });
    fake.inject({ method: 'POST', path: BATCH_READ, status: 200, times: 1, hang: true });
    fake.inject({ method: 'POST', path: BATCH_UPDATE, status: 429, times: 2, body: SECONDLY });
    fake.inject({ method: 'POST', path: BATCH_UPDATE, status: 502, times: 1, body: PROXY_502 });
    fake.inject({ method: 'POST', path: BATCH_UPDATE, status: 200, times: 1, hang: true });

    for (let i = 0; i < ids.length; i += 100) {
      const res = await sendWebhook(`${t.url}/webhooks/hubspot`, ids.slice(i, i + 100).map((id) => contactCreationEvent(fake.portalId, id)), {
        clientSecret: fake.clientSecret,
        signedUrl: `${PUBLIC_URL}/webhooks/hubspot`,
      });
      expect(res.status).toBe(200);
    }
    await waitFor('the queue to drain', () => unfinishedJobs() === 0 && ids.every((id) => fake.getContact(id)!.properties.enrichment_source === 'dataset'), 60_000, 50);

    // The faults really happened.
    expect(statuses(BATCH_READ).filter((s) => s === 500)).toHaveLength(1);
    expect(statuses(BATCH_UPDATE).filter((s) => s === 429)).toHaveLength(2);
    expect(statuses(BATCH_UPDATE).filter((s) => s === 502)).toHaveLength(1);
    expect([...statuses(BATCH_READ), ...statuses(BATCH_UPDATE)].filter((s) => s === 0)).toHaveLength(2); // hung, never answered

    for (const id of ids) expect(fake.getContact(id)!.properties, id).toMatchObject({ enrichment_source: 'dataset', enrichment_seniority: expect.any(String) });
    const per = ledgerPerContact();
    expect(ids.filter((id) => JSON.stringify(per.get(id)) !== '[3]')).toEqual([]);
    expect(t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE state = 'dead'`).pluck().get()).toBe(0);
  });

  it('when a backfill meets an outage longer than one call may retry, then the failed contacts are retried later, all are written, and each is charged once', async () => {
    const emails = importPeople(t, 150, { prefix: 'longoutage' });
    const ids = emails.map((email) => fake.addContact({ email }).id);
    fake.resetRequests();
    fake.resetRateLimits();
    // A page read that hangs, then five 500s in a row on the write: more than the four retries of one call.
    fake.inject({ method: 'GET', path: LIST, status: 200, times: 1, hang: true });
    fake.inject({ method: 'POST', path: BATCH_UPDATE, status: 500, times: 5 });

    const { run } = t.services.runService.startRun(connectionId, 'backfill', 'test');
    await waitFor(
      'the run to finish and the queue to drain',
      () => t.services.repos.runs.get(run.id)!.state === 'succeeded' && unfinishedJobs() === 0 && ids.every((id) => fake.getContact(id)!.properties.enrichment_source === 'dataset'),
      90_000,
      50,
    );
    expect(statuses(BATCH_UPDATE).filter((s) => s === 500)).toHaveLength(5);
    expect(statuses(LIST).filter((s) => s === 0)).toHaveLength(1);

    for (const id of ids) expect(fake.getContact(id)!.properties.enrichment_source, id).toBe('dataset');
    const per = ledgerPerContact();
    const charged = ids.map((id) => [id, per.get(id)] as const).filter(([, c]) => JSON.stringify(c) !== '[3]');
    expect(charged, 'contacts not charged exactly 3 credits once').toEqual([]);
    expect(t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE state = 'dead'`).pluck().get()).toBe(0);
  });
});
