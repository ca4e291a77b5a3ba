// A provider that does not answer in time. The waterfall moves on to the next provider and the
// failed one is never charged, not even when its answer arrives late; when every provider times out the API
// answers 502 and charges 0. PROVIDER_TIMEOUT_MS is 300; the slow replies are reply *functions* that resolve
// later (nock's .delay() trips undici when the request is aborted on Node 24).
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';
import { post, type TestService } from '../helpers/service.js';
import { PUBLIC_URL, startFaultService, waitFor } from './support.js';

const PDL = 'https://api.peopledatalabs.com';
const APOLLO = 'https://api.apollo.io';
const TIMEOUT_MS = 300;
const fixture = (p: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/providers/${p}`, import.meta.url), 'utf8')) as { status: number; body: unknown };

/** A reply that comes long after the timeout; `sent` resolves once the provider "answered" (too late). */
function lateReply(status: number, body: unknown, afterMs = TIMEOUT_MS * 3) {
  let sent!: () => void;
  const done = new Promise<void>((ok) => (sent = ok));
  const reply = () =>
    new Promise<[number, string]>((resolve) =>
      setTimeout(() => {
        resolve([status, JSON.stringify(body)]);
        sent();
      }, afterMs),
    );
  return { reply, done };
}

interface LedgerRow {
  id: number;
  outcome: string;
  provider: string | null;
  credits: number;
  found: number;
  connection_id: string | null;
}

describe('when a provider times out', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startFaultService({
      env: {
        ...hubspotEnv(fake),
        ENRICH_PROVIDERS: 'peopledatalabs,apollo',
        PDL_API_KEY: 'pdl-test-key',
        APOLLO_API_KEY: 'apollo-test-key',
        PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
        API_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    key = t.apiKey('timeouts');
  });
  afterAll(async () => {
    nock.cleanAll();
    await t?.close();
    await fake?.close();
  });
  afterEach(() => {
    nock.cleanAll();
    t.services.repos.cache.clear();
  });

  const ledgerAfter = (id: number) => t.services.db.prepare('SELECT id, outcome, provider, credits, found, connection_id FROM credit_ledger WHERE id > ? ORDER BY id').all(id) as LedgerRow[];
  const lastLedgerId = () => (t.services.db.prepare('SELECT COALESCE(MAX(id), 0) FROM credit_ledger').pluck().get() as number);
  const cachedProviders = () => t.services.db.prepare('SELECT DISTINCT provider FROM profile_cache').pluck().all() as string[];
  const enrich = (body: unknown) => post(`${t.url}/v1/profile/enrich`, body, { 'x-api-key': key });

  it('then the waterfall moves on to Apollo, and the one ledger row is Apollo\'s hit with 3 credits, even after PDL answers late', async () => {
    const pdl = lateReply(200, fixture('pdl/full-record.response.json').body);
    const pdlScope = nock(PDL).get('/v5/person/enrich').query(true).reply(pdl.reply);
    const apollo = fixture('apollo/person-match.response.json');
    const apolloScope = nock(APOLLO).post('/api/v1/people/match').query(true).reply(apollo.status, apollo.body as object);
    const before = lastLedgerId();

    const r = await enrich({ email: 'someone@example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ found: true, source_provider: 'apollo', credits_charged: 3, cache_hit: false });
    expect(pdlScope.isDone() && apolloScope.isDone()).toBe(true);

    await pdl.done; // PDL's answer arrives after the timeout
    await new Promise((ok) => setImmediate(ok));
    expect(ledgerAfter(before)).toEqual([expect.objectContaining({ outcome: 'found', provider: 'apollo', credits: 3, found: 1 })]);
    expect(cachedProviders()).toEqual(['apollo']);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/provider_call_duration_seconds_count\{[^}]*provider="peopledatalabs"[^}]*outcome="failed"[^}]*\} [1-9]/);
    expect(metrics).not.toMatch(/enrichments_total\{provider="peopledatalabs"/);
  });

  it('then, when every provider times out, the answer is 502 with 0 credits, and the late answers change nothing', async () => {
    const pdl = lateReply(200, fixture('pdl/full-record.response.json').body);
    const apollo = lateReply(200, fixture('apollo/person-match.response.json').body);
    nock(PDL).get('/v5/person/enrich').query(true).reply(pdl.reply);
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(apollo.reply);
    const account = t.services.repos.accounts.byName('timeouts')!;
    const creditsBefore = t.services.repos.ledger.creditsThisMonth(account.id, Date.now());
    const before = lastLedgerId();

    const r = await enrich({ email: 'someone.else@example.com' });
    expect(r.status).toBe(502);
    expect(r.body).toEqual({ error: 'Bad Gateway', message: 'enrichment provider failed' });

    await Promise.all([pdl.done, apollo.done]);
    await new Promise((ok) => setImmediate(ok));
    expect(ledgerAfter(before)).toEqual([expect.objectContaining({ outcome: 'failed', provider: null, credits: 0, found: 0 })]);
    expect(t.services.repos.ledger.creditsThisMonth(account.id, Date.now())).toBe(creditsBefore);
    expect(cachedProviders()).toEqual([]);
  });

  it('then a CRM contact enriched while PDL times out gets Apollo\'s profile and is charged once, to Apollo', async () => {
    const { connectionId } = await installCrm(t, 'hubspot');
    const c = fake.addContact({ email: 'tim.eout@example.com' });
    const pdl = lateReply(200, fixture('pdl/full-record.response.json').body);
    nock(PDL).get('/v5/person/enrich').query(true).reply(pdl.reply);
    const apollo = fixture('apollo/person-match.response.json');
    nock(APOLLO).post('/api/v1/people/match').query(true).reply(apollo.status, apollo.body as object);
    const before = lastLedgerId();

    const res = await sendWebhook(`${t.url}/webhooks/hubspot`, [contactCreationEvent(fake.portalId, c.id)], { clientSecret: fake.clientSecret, signedUrl: `${PUBLIC_URL}/webhooks/hubspot` });
    expect(res.status).toBe(200);
    await t.services.createWorker({ concurrency: 1 }).drain();
    await pdl.done;
    await waitFor('the contact to be written', () => fake.getContact(c.id)!.properties.enrichment_source !== undefined, 5_000);

    expect(fake.getContact(c.id)!.properties.enrichment_source).toBe('apollo');
    expect(ledgerAfter(before)).toEqual([expect.objectContaining({ outcome: 'found', provider: 'apollo', credits: 3, connection_id: connectionId })]);
  });
});
