// Issue 11 through real HTTP: HubSpot and Salesforce backfills enriched by a stateful People Data Labs / Apollo fake
// that enforces a fixed request window per key and answers 429 with the provider's headers. Nothing is lost,
// nothing is charged twice or zero times, a throttled provider is waited for (never skipped), every identifier
// of the record is sent, and a contact known to the provider only by its LinkedIn URL is found.
import { afterEach, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startProviderFake, type ProviderFake, type ProviderKind } from '../fakes/providers/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, installCrm, runSync, salesforceEnv } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';

/** 24 contacts: 0–15 known to the provider by email, 16–19 only by LinkedIn URL (their email is unknown to it), 20–23 unknown. */
const N = 24;
const KNOWN_BY_EMAIL = 16;
const KNOWN_BY_LINKEDIN = 4;
const FOUND = KNOWN_BY_EMAIL + KNOWN_BY_LINKEDIN;
const email = (i: number) => `p${i}@pace.example`;
const slug = (i: number) => `pace-person-${i}`;

function fillProvider(p: ProviderFake): void {
  for (let i = 0; i < FOUND; i++) {
    p.add({
      ...(i < KNOWN_BY_EMAIL ? { email: email(i) } : {}),
      linkedinSlug: slug(i),
      firstName: `First${i}`,
      lastName: `Last${i}`,
      company: 'Globex Corporation',
      title: 'Sales Director',
    });
  }
}

function providerEnv(kind: ProviderKind, p: ProviderFake, extra: Record<string, string> = {}): Record<string, string> {
  return kind === 'pdl'
    ? { ENRICH_PROVIDERS: 'peopledatalabs', PDL_API_KEY: p.apiKey, PDL_BASE_URL: p.url, PDL_BULK_SIZE: '4', ...extra }
    : { ENRICH_PROVIDERS: 'apollo', APOLLO_API_KEY: p.apiKey, APOLLO_BASE_URL: p.url, ...extra };
}

interface LedgerRow {
  credits: number;
  outcome: string;
  idempotency_key: string | null;
  attempt_key: string | null;
  input_kind: string;
}
const ledger = (t: TestService, connectionId: string) =>
  t.services.db.prepare('SELECT credits, outcome, idempotency_key, attempt_key, input_kind FROM credit_ledger WHERE connection_id = ? ORDER BY id').all(connectionId) as LedgerRow[];

/** Everything a test starts, closed after it (service first, then the fakes it talks to). */
const started: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of started.splice(0).reverse()) await c.close();
});
function track<T extends { close(): Promise<unknown> }>(x: T): T {
  started.push(x);
  return x;
}

/** The invariants of a finished backfill of the N contacts: exact credits, nothing lost, nothing looked up twice. */
function expectExact(t: TestService, connectionId: string, provider: ProviderFake, counts: { enriched: number; errors: number; credits: number }) {
  const rows = ledger(t, connectionId);
  const charged = rows.filter((r) => r.credits > 0);
  expect(counts.errors).toBe(0);
  expect(counts.enriched).toBe(N);
  expect(charged).toHaveLength(FOUND);
  expect(new Set(charged.map((r) => r.idempotency_key)).size).toBe(FOUND);
  expect(charged.every((r) => r.outcome === 'found' && r.credits === 3)).toBe(true);
  expect(counts.credits).toBe(3 * FOUND);
  expect(rows.filter((r) => r.outcome === 'failed')).toHaveLength(0);
  expect(rows.filter((r) => r.outcome === 'not_found')).toHaveLength(N - FOUND);
  // Every record was looked up by the provider exactly once (a 429 looks nothing up), and billed there once.
  expect(provider.stats().records).toBe(N);
  expect(provider.stats().billed).toBe(FOUND);
  // Contacts with a LinkedIn URL were sent with both identifiers, and the ledger says so.
  expect(rows.filter((r) => r.input_kind === 'both')).toHaveLength(N);
}

describe('a HubSpot backfill through a rate-limited PDL (fixed window, bulk)', () => {

  it('when PDL refuses the first call with 429 and then allows 2 calls per 1.5 s, then every contact is enriched once, charged exactly once, and the LinkedIn-only ones are found', async () => {
    const hub = track(await startHubSpotFake());
    const pdl = track(await startProviderFake({ kind: 'pdl', limit: 2, windowMs: 1500 }));
    fillProvider(pdl);
    const t = track(await startService({ env: { ...hubspotEnv(hub), ...providerEnv('pdl', pdl, { PDL_REQUESTS_PER_MINUTE: '1000' }), CACHE_TTL_DAYS: '0' } }));
    const { connectionId } = await installCrm(t, 'hubspot');
    hub.addContacts(N, (i) => ({ email: email(i), hs_linkedin_url: `https://www.linkedin.com/in/${slug(i)}`, firstname: `First${i}`, lastname: `Last${i}` }));
    pdl.rejectNext(1);
    const waits: string[] = [];
    const setWaiting = t.services.repos.runs.setWaiting.bind(t.services.repos.runs);
    t.services.repos.runs.setWaiting = (id, w) => {
      if (w) waits.push(w.provider);
      setWaiting(id, w);
    };

    const counts = await runSync(t, connectionId, 'backfill');

    expectExact(t, connectionId, pdl, counts);
    const stats = pdl.stats();
    expect(stats.rateLimited).toBeGreaterThanOrEqual(1);
    // Bulk: 24 records in calls of 4 (a retried call counts again), not one call per contact.
    expect(stats.single).toBe(0);
    expect(stats.bulk - stats.rateLimited).toBe(N / 4);
    // The run said it was waiting for PDL, and no longer says so.
    expect(waits).toContain('peopledatalabs');
    expect(t.services.db.prepare('SELECT waiting_provider FROM sync_runs').pluck().all()).toEqual([null]);
    // The finished run keeps its waits, and its page lists them under "Provider waits".
    const run = t.services.repos.runs.recent(connectionId, 1)[0]!;
    expect(run.waits.length).toBeGreaterThanOrEqual(1);
    for (const w of run.waits) {
      expect(w.provider).toBe('peopledatalabs');
      expect(w.from).toBeGreaterThanOrEqual(run.started_at!);
      expect(w.until).toBeGreaterThan(w.from);
      expect(w.from).toBeLessThanOrEqual(run.finished_at!);
    }
    const page = await (await fetch(`${t.url}/admin/runs/${run.id}`, { headers: { cookie: await adminCookie(t) } })).text();
    const section = /<section id="run-waits"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(section).toContain('Provider waits');
    expect((section.match(/<td>PDL<\/td>/g) ?? []).length).toBe(run.waits.length);
    // The LinkedIn-only contacts were sent with both identifiers and written back as found.
    const linkedinOnly = pdl.lookups.filter((l) => l['profile'] === `linkedin.com/in/${slug(KNOWN_BY_EMAIL)}`);
    expect(linkedinOnly).toEqual([{ email: email(KNOWN_BY_EMAIL), profile: `linkedin.com/in/${slug(KNOWN_BY_EMAIL)}` }]);
    const written = hub.contacts().find((c) => c.properties['email'] === email(KNOWN_BY_EMAIL))!;
    expect(written.properties['enrichment_source']).toBe('peopledatalabs');
  });
});

describe('a Salesforce backfill through a rate-limited Apollo (429 with retry-after, bulk_match)', () => {

  it('when Apollo answers the first two calls 429 with retry-after, then the run waits and asks Apollo again: every contact is enriched once and charged exactly once, LinkedIn-only ones included', async () => {
    const sf = track(await startSalesforceFake());
    // Apollo gives no reset time before a 429 (only x-minute-requests-left), so this run meets 429s, not a window.
    const apollo = track(await startProviderFake({ kind: 'apollo', limit: 1000 }));
    fillProvider(apollo);
    const t = track(await startService({ env: { ...salesforceEnv(sf), ...providerEnv('apollo', apollo, { APOLLO_REQUESTS_PER_MINUTE: '1000' }), CACHE_TTL_DAYS: '0' } }));
    const { connectionId } = await installCrm(t, 'salesforce');
    sf.addRecords('Contact', N, (i) => ({
      FirstName: `First${i}`,
      LastName: `Last${i}`,
      Email: email(i),
      Enrichment_LinkedIn_URL__c: `https://www.linkedin.com/in/${slug(i)}`,
    }));
    apollo.rejectNext(2, 1000);

    const counts = await runSync(t, connectionId, 'backfill');

    expectExact(t, connectionId, apollo, counts);
    const stats = apollo.stats();
    expect(stats.single).toBe(0);
    expect(stats.rateLimited).toBe(2);
    expect(stats.bulk - stats.rateLimited).toBe(Math.ceil(N / 10));
    const linkedinOnly = apollo.lookups.filter((l) => l['linkedin_url'] === `https://www.linkedin.com/in/${slug(KNOWN_BY_EMAIL + 1)}`);
    expect(linkedinOnly).toEqual([{ email: email(KNOWN_BY_EMAIL + 1), linkedin_url: `https://www.linkedin.com/in/${slug(KNOWN_BY_EMAIL + 1)}` }]);
  });
});

describe("a Salesforce org whose LinkedIn URL lives in its own field, mapped to linkedin_url", () => {

  it('when PDL knows the contact only by that LinkedIn URL, then the URL is sent and the contact is enriched', async () => {
    const sf = track(await startSalesforceFake());
    const pdl = track(await startProviderFake({ kind: 'pdl', limit: 1000 }));
    pdl.add({ linkedinSlug: 'own-field-person', firstName: 'Grace', lastName: 'Hopper', company: 'Navy', title: 'Rear Admiral' });
    const t = track(await startService({ env: { ...salesforceEnv(sf), ...providerEnv('pdl', pdl), CACHE_TTL_DAYS: '0' } }));
    const { connectionId } = await installCrm(t, 'salesforce');
    sf.addCustomField('Contact.LinkedIn_Profile__c', { type: 'Url', length: 255 });
    const conn = t.services.repos.connections.get(connectionId)!;
    const settings = JSON.parse(conn.settings_json) as { mappings: { objectType: string; source: string; target: string }[] };
    for (const m of settings.mappings) if (m.objectType === 'contact' && m.source === 'linkedin_url') m.target = 'LinkedIn_Profile__c';
    t.services.repos.connections.setSettings(connectionId, JSON.stringify(settings));
    t.services.registry.invalidate(connectionId);
    const [rec] = sf.addRecords('Contact', 1, () => ({ FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@unknown.example', LinkedIn_Profile__c: 'https://www.linkedin.com/in/own-field-person' }));

    const counts = await runSync(t, connectionId, 'backfill');

    expect(counts).toMatchObject({ enriched: 1, errors: 0, credits: 3 });
    expect(pdl.lookups).toEqual([{ email: 'grace@unknown.example', profile: 'linkedin.com/in/own-field-person' }]);
    expect(sf.getRecord(rec!.Id)!['Enrichment_Source__c']).toBe('peopledatalabs');
  });
});
