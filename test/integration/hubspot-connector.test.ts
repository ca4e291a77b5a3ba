// The HubSpot connector against the stateful HubSpot fake over real HTTP on 127.0.0.1: OAuth, provisioning,
// describe, read / list / createdSince, writes with per-record outcomes, tasks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../connectors/hubspot/index.js';
import { ENRICHMENT_PROPERTIES } from '../../connectors/hubspot/provision.js';
import { SENIORITY_LEVELS } from '../../src/lib/seniority-levels.js';
import type { Connector, CrmSession, TokenSet, TokenStore } from '../../connectors/types.js';
import { NonRetryableError, ReauthRequiredError } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { type HubSpotFake, startHubSpotFake } from '../fakes/hubspot/index.js';

const REDIRECT = 'http://localhost:3000/oauth/hubspot/callback';
const SCOPES = 'oauth crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write';
const log = createLogger({ level: 'silent' });

let fake: HubSpotFake;
let connector: Connector;

/** A TokenStore in memory with the same contract as the database one (save inside the lock). */
function memoryTokens(initial: TokenSet): TokenStore & { current: TokenSet; refreshes: number } {
  let inflight: Promise<TokenSet> | undefined;
  const store = {
    current: initial,
    refreshes: 0,
    load: () => store.current,
    save: (t: TokenSet) => {
      store.current = t;
    },
    withRefreshLock(refresh: (current: TokenSet) => Promise<TokenSet>): Promise<TokenSet> {
      inflight ??= refresh(store.current)
        .then((t) => {
          if (t.accessToken !== store.current.accessToken) store.refreshes++;
          store.current = t;
          return t;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
  return store;
}

async function install(): Promise<{ session: CrmSession; tokens: ReturnType<typeof memoryTokens> }> {
  const result = await connector.exchangeCode({ code: fake.issueAuthCode(REDIRECT), redirectUri: REDIRECT });
  const tokens = memoryTokens(result.tokens);
  return { session: connector.session({ id: 'conn-1', externalId: result.externalId, userId: result.userId, tokens }), tokens };
}

beforeEach(async () => {
  fake = await startHubSpotFake();
  connector = createHubSpotConnector({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    scopes: SCOPES,
    authorizeUrl: fake.authorizeUrl,
    apiBaseUrl: `${fake.url}/`,
    log,
  });
});

afterEach(async () => {
  await fake.close();
});

describe('OAuth', () => {
  it('when the authorize URL is followed, then HubSpot gets client_id, redirect_uri, %20-separated scopes and state, and the code installs the portal', async () => {
    expect(connector).toMatchObject({ crm: 'hubspot', configured: true, usesPkce: false });
    const url = connector.authorizeUrl({ state: 'st8', redirectUri: REDIRECT });
    expect(url).toContain(`scope=${SCOPES.split(' ').join('%20')}`);
    expect(url).toContain(`client_id=${fake.clientId}`);
    expect(url).toContain(`redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(new URL(url).searchParams.has('optional_scope')).toBe(false);
    const consent = await fetch(url, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe('st8');

    const before = Date.now();
    const result = await connector.exchangeCode({ code: back.searchParams.get('code') ?? '', redirectUri: REDIRECT });
    expect(result).toMatchObject({ externalId: String(fake.portalId), userId: '7000001', label: `fake-portal-${fake.portalId}.com` });
    expect(result.tokens.expiresAt).toBeGreaterThanOrEqual(before + 1_799_000);
    expect(result.tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 1_800_000);
  });

  it('when a code is refused, then the exchange fails for good', async () => {
    await expect(connector.exchangeCode({ code: 'nope', redirectUri: REDIRECT })).rejects.toMatchObject({ name: 'NonRetryableError', code: 'BAD_AUTH_CODE' });
  });

  it('when the stored token is about to expire, then it is refreshed first (old refresh token kept) and the call succeeds', async () => {
    const { session, tokens } = await install();
    const old = tokens.current;
    tokens.current = { ...old, expiresAt: Date.now() + 60_000 };
    expect(await session.count('contact')).toBe(0);
    expect(tokens.refreshes).toBe(1);
    expect(tokens.current.refreshToken).toBe(old.refreshToken);
    expect(tokens.current.accessToken).not.toBe(old.accessToken);
    expect(tokens.current.expiresAt).toBeGreaterThan(Date.now() + 1_700_000);
  });

  it('when the access token expires mid-run, then one 401 EXPIRED_AUTHENTICATION triggers one refresh and the call succeeds', async () => {
    const { session, tokens } = await install();
    await session.describe('contact');
    fake.expireAccessTokens();
    fake.resetRequests();
    const contacts = fake.addContacts(2);
    const read = await session.read('contact', contacts.map((c) => c.id), []);
    expect(read).toHaveLength(2);
    expect(tokens.refreshes).toBe(1);
    expect(fake.requests.filter((r) => r.kind === 'api').map((r) => r.status)).toEqual([401, 200]);
  });

  it('when the refresh token was revoked (BAD_REFRESH_TOKEN), then the session says a new install is needed', async () => {
    const { session, tokens } = await install();
    fake.revokeRefreshTokens();
    tokens.current = { ...tokens.current, expiresAt: Date.now() - 1 };
    const err = await session.describe('contact').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReauthRequiredError);
    expect((err as ReauthRequiredError).message).toContain('BAD_REFRESH_TOKEN');
  });

  it('when disconnecting, then the refresh token is deleted at HubSpot (and a second revoke is harmless)', async () => {
    const { tokens } = await install();
    await connector.revoke(tokens.current);
    await connector.revoke(tokens.current);
    const info = await fetch(`${fake.url}/oauth/v1/refresh-tokens/${tokens.current.refreshToken}`);
    expect(info.status).toBe(404);
  });

  it('when client id or secret is missing, then the connector is not configured and refuses to install', () => {
    const c = createHubSpotConnector({ scopes: SCOPES, authorizeUrl: fake.authorizeUrl, apiBaseUrl: fake.url, log, clientId: 'x' });
    expect(c.configured).toBe(false);
    expect(c.setupHint).toBe('set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET');
    expect(c.objectTypes).toEqual(['contact']);
    expect(() => c.authorizeUrl({ state: 's', redirectUri: REDIRECT })).toThrow(new NonRetryableError('not_configured', 'HubSpot is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET'));
  });

  it('when optional scopes are configured (owner names), then they go as optional_scope, %20-separated, beside the required ones', () => {
    const c = createHubSpotConnector({ ...{ clientId: fake.clientId, clientSecret: fake.clientSecret }, scopes: SCOPES, optionalScopes: 'crm.objects.owners.read, sales-email-read', authorizeUrl: fake.authorizeUrl, apiBaseUrl: fake.url, log });
    const url = c.authorizeUrl({ state: 's', redirectUri: REDIRECT });
    expect(url).toContain('optional_scope=crm.objects.owners.read%20sales-email-read');
    expect(new URL(url).searchParams.get('scope')).toBe(SCOPES);
  });
});

describe('provisioning and describe', () => {
  it('when provisioned twice, then the group and 11 properties are created once with the contract types', async () => {
    const { session } = await install();
    const first = await session.provision();
    expect(first.created).toEqual(['group:enrichment', ...ENRICHMENT_PROPERTIES.map((p) => p.name)]);
    expect(first.missing).toEqual([]);
    const props = new Map(fake.properties().map((p) => [p.name, p]));
    const shape = (n: string) => {
      const p = props.get(n);
      return p && `${p.type}/${p.fieldType}/${p.groupName}`;
    };
    expect(shape('enrichment_seniority')).toBe('enumeration/select/enrichment');
    expect(props.get('enrichment_seniority')?.options.map((o) => [o.value, o.label])).toEqual(SENIORITY_LEVELS.map((l) => [l, l]));
    expect(shape('enrichment_recent_job_change')).toBe('bool/booleancheckbox/enrichment');
    expect(props.get('enrichment_recent_job_change')?.options.map((o) => o.value)).toEqual(['true', 'false']);
    expect(shape('enrichment_job_change_date')).toBe('date/date/enrichment');
    for (const n of ['previous_company', 'previous_title', 'department', 'headline', 'company_size', 'source']) {
      expect(shape(`enrichment_${n}`)).toBe('string/text/enrichment');
    }
    expect(shape('enrichment_confidence')).toBe('number/number/enrichment');
    expect(shape('enrichment_enriched_at')).toBe('datetime/date/enrichment');

    const second = await session.provision();
    expect(second.created).toEqual([]);
    expect(second.existing).toHaveLength(11);
    expect(second.missing).toEqual([]);
  });

  it('when a property exists with another type or lost an option, then it is reported, or the option is added back', async () => {
    const { session, tokens } = await install();
    await session.provision();
    const auth = { Authorization: `Bearer ${tokens.current.accessToken}`, 'Content-Type': 'application/json' };
    fake.removeProperty('enrichment_confidence');
    await fetch(`${fake.url}/crm/v3/properties/contacts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'enrichment_confidence', label: 'c', type: 'string', fieldType: 'text', groupName: 'enrichment' }),
    });
    await fetch(`${fake.url}/crm/v3/properties/contacts/enrichment_seniority`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ options: [{ label: 'VP', value: 'VP', hidden: false }] }),
    });
    const report = await session.provision();
    expect(report.missing).toEqual([{ objectType: 'contact', name: 'enrichment_confidence', reason: expect.stringContaining('exists as string/text') }]);
    expect(report.warnings).toEqual([expect.stringContaining('enrichment_seniority: added missing options C-Level, Director')]);
    const seniority = fake.properties().find((p) => p.name === 'enrichment_seniority');
    expect(seniority?.options.map((o) => o.value).sort()).toEqual([...SENIORITY_LEVELS].sort());
  });

  it('when described, then HubSpot types map to logical field types with options and updateability', async () => {
    const { session } = await install();
    await session.provision();
    const defs = new Map((await session.describe('contact')).map((d) => [d.name, d]));
    expect(defs.get('enrichment_seniority')).toMatchObject({ type: 'enumeration', updateable: true, options: SENIORITY_LEVELS.map((l) => ({ value: l, label: l })) });
    expect(defs.get('enrichment_recent_job_change')?.type).toBe('bool');
    expect(defs.get('enrichment_job_change_date')?.type).toBe('date');
    expect(defs.get('enrichment_enriched_at')?.type).toBe('datetime');
    expect(defs.get('enrichment_confidence')?.type).toBe('number');
    expect(defs.get('mobilephone')?.type).toBe('phone');
    expect(defs.get('jobtitle')).toMatchObject({ type: 'string', updateable: true, maxLength: 65_536 });
    expect(defs.get('createdate')).toMatchObject({ type: 'datetime', updateable: false });
    expect(defs.get('hs_object_id')).toMatchObject({ type: 'number', updateable: false });
    await expect(session.describe('lead')).rejects.toBeInstanceOf(NonRetryableError);
  });
});

describe('reading contacts', () => {
  it('when reading ids of which one is unknown and one deleted, then only the live contacts come back, parsed', async () => {
    const { session } = await install();
    await session.provision();
    const [a, b, gone] = [
      fake.addContact({ email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', hubspot_owner_id: '71000001', enrichment_confidence: '87.5', enrichment_recent_job_change: 'true', enrichment_job_change_date: '2026-03-01' }),
      fake.addContact({ email: 'bob@example.com', hs_linkedin_url: 'https://www.linkedin.com/in/bob' }),
      fake.addContact({ email: 'gone@example.com' }),
    ];
    fake.archiveContact(gone!.id);
    const read = await session.read('contact', [b!.id, '999999', a!.id, gone!.id], ['enrichment_confidence', 'enrichment_recent_job_change', 'enrichment_job_change_date', 'jobtitle', 'no_such_field']);
    expect(read.map((c) => c.id)).toEqual([b!.id, a!.id]);
    expect(read[1]).toMatchObject({
      objectType: 'contact',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      firstName: 'Ada',
      lastName: 'Lovelace',
      ownerId: '71000001',
      linkedinUrl: null,
      values: { enrichment_confidence: 87.5, enrichment_recent_job_change: true, enrichment_job_change_date: '2026-03-01', jobtitle: null },
    });
    expect(read[1]!.values).not.toHaveProperty('no_such_field');
    expect(read[1]!.createdAt).toBe(a!.createdAt.toISOString());
    expect(read[0]).toMatchObject({ linkedinUrl: 'https://www.linkedin.com/in/bob', name: null });
  });

  it('when listing 250 contacts, then pages of 100 follow the cursor to the end', async () => {
    const { session } = await install();
    fake.addContacts(250);
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await session.list('contact', { cursor, fields: ['firstname'] });
      sizes.push(page.contacts.length);
      ids.push(...page.contacts.map((c) => c.id));
      cursor = page.next;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(ids).size).toBe(250);
    expect(fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts').every((r) => r.query.limit === '100')).toBe(true);
  });

  it('when asking for contacts created since a time, then only those come back oldest first with the high-water mark', async () => {
    const { session } = await install();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++) fake.addContact({ email: `c${i}@example.com` }, { createdAt: new Date(t0 + (4 - i) * 60_000) });
    const page = await session.createdSince('contact', { since: new Date(t0 + 60_000).toISOString(), cursor: null, fields: [] });
    expect(page.contacts.map((c) => c.email)).toEqual(['c3@example.com', 'c2@example.com', 'c1@example.com', 'c0@example.com']);
    expect(page.highWater).toBe(new Date(t0 + 4 * 60_000).toISOString());
    expect(page.next).toBeNull();
    const all = await session.createdSince('contact', { since: null, cursor: null, fields: [] });
    expect(all.contacts).toHaveLength(5);
    expect(await session.count('contact')).toBe(5);
  });

  it('when the mapping names so many properties that the search body would pass 3,000 characters, then the search stays under it and the values still come back', async () => {
    const { session } = await install();
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    for (let i = 0; i < 3; i++) fake.addContact({ email: `wide${i}@example.com`, jobtitle: `Title ${i}` }, { createdAt: new Date(t0 + i * 60_000) });
    const fields = ['jobtitle', ...Array.from({ length: 150 }, (_, i) => `custom_mapped_property_${i}`)];
    fake.resetRequests();
    const page = await session.createdSince('contact', { since: new Date(t0).toISOString(), cursor: null, fields });
    expect(page.contacts.map((c) => [c.email, c.values['jobtitle']])).toEqual([0, 1, 2].map((i) => [`wide${i}@example.com`, `Title ${i}`]));
    const searches = fake.requests.filter((r) => r.path === '/crm/v3/objects/contacts/search');
    expect(searches.length).toBeGreaterThan(0);
    for (const q of searches) expect(q.status).toBe(200);
  });
});

describe('writing contacts', () => {
  it('when writing every value type, then HubSpot stores its own formats and a read gives the logical values back', async () => {
    const { session } = await install();
    await session.provision();
    const c = fake.addContact({ email: 'w@example.com', jobtitle: 'Old title', enrichment_headline: 'old' });
    const values = {
      enrichment_seniority: 'VP',
      enrichment_recent_job_change: true,
      enrichment_job_change_date: '2026-03-01',
      enrichment_previous_company: '  Acme Corp ',
      enrichment_confidence: 87.5,
      enrichment_enriched_at: '2026-11-26T06:00:00.000Z',
      jobtitle: 'VP Sales',
      enrichment_headline: null,
    };
    const outcomes = await session.write('contact', [{ ref: { objectType: 'contact', id: c.id }, values }]);
    expect(outcomes).toEqual([{ ref: { objectType: 'contact', id: c.id }, ok: true }]);
    expect(fake.getContact(c.id)?.properties).toMatchObject({
      enrichment_seniority: 'VP',
      enrichment_recent_job_change: 'true',
      enrichment_job_change_date: '2026-03-01',
      enrichment_previous_company: 'Acme Corp',
      enrichment_confidence: '87.5',
      enrichment_enriched_at: '2026-11-26T06:00:00.000Z',
      jobtitle: 'VP Sales',
    });
    expect(fake.getContact(c.id)?.properties).not.toHaveProperty('enrichment_headline');
    const [back] = await session.read('contact', [c.id], Object.keys(values));
    expect(back?.values).toEqual({ ...values, enrichment_previous_company: 'Acme Corp' });
  });

  it('when a contact was deleted (207), then its outcome says deleted and the others are written', async () => {
    const { session } = await install();
    const [a, b] = fake.addContacts(2);
    fake.archiveContact(b!.id);
    const outcomes = await session.write('contact', [
      { ref: { objectType: 'contact', id: b!.id }, values: { jobtitle: 'CTO' } },
      { ref: { objectType: 'contact', id: a!.id }, values: { jobtitle: 'CEO' } },
    ]);
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: false, deleted: true, code: 'OBJECT_NOT_FOUND' });
    expect(outcomes[1]).toMatchObject({ ok: true });
    expect(fake.getContact(a!.id)?.properties.jobtitle).toBe('CEO');
  });

  it('when one record of a batch has a bad value, then the batch is re-sent record by record and only that one fails', async () => {
    const { session } = await install();
    await session.provision();
    const cs = fake.addContacts(4);
    const ref = (i: number) => ({ objectType: 'contact' as const, id: cs[i]!.id });
    fake.resetRequests();
    const outcomes = await session.write('contact', [
      { ref: ref(0), values: { enrichment_seniority: 'Director' } },
      { ref: ref(1), values: { enrichment_seniority: 'Wizard' } },
      { ref: ref(2), values: { enrichment_department: 'Sales' } },
      { ref: ref(3), values: { enrichment_confidence: 'high' } },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
    expect(outcomes[1]).toMatchObject({ retryable: false, code: 'VALIDATION_ERROR', message: expect.stringContaining('Wizard') });
    // A value that cannot be a number never reaches HubSpot.
    expect(outcomes[3]).toMatchObject({ retryable: false, code: 'INVALID_VALUE' });
    expect(fake.getContact(cs[0]!.id)?.properties.enrichment_seniority).toBe('Director');
    expect(fake.getContact(cs[2]!.id)?.properties.enrichment_department).toBe('Sales');
    const sent = fake.requests.filter((r) => r.kind === 'api' && r.path.startsWith('/crm/v3/objects/contacts'));
    expect(sent.map((r) => `${r.method} ${r.status}`).sort()).toEqual(['PATCH 200', 'PATCH 200', 'PATCH 400', 'POST 400']);
  });

  it('when 250 records (one contact twice) are written, then they go out in batches of 100 with one outcome per request', async () => {
    const { session } = await install();
    const cs = fake.addContacts(249);
    const requests = cs.map((c, i) => ({ ref: { objectType: 'contact' as const, id: c.id }, values: { jobtitle: `T${i}` } }));
    requests.push({ ref: { objectType: 'contact', id: cs[0]!.id }, values: { jobtitle: 'last wins' } });
    fake.resetRequests();
    const outcomes = await session.write('contact', requests);
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(fake.requests.filter((r) => r.path.endsWith('/batch/update')).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(fake.getContact(cs[0]!.id)?.properties.jobtitle).toBe('last wins');
    expect(fake.getContact(cs[248]!.id)?.properties.jobtitle).toBe('T248');
  });
});

describe('tasks', () => {
  it('when a task is created, then it is a high-priority TODO for the owner, associated to the contact, and found again by its marker', async () => {
    const { session } = await install();
    const c = fake.addContact({ email: 't@example.com' });
    const dueAt = Date.parse('2026-11-27T09:00:00Z');
    const marker = '[crm-enrich:chg-1]';
    const id = await session.createTask({ ref: { objectType: 'contact', id: c.id }, ownerId: '71000002', subject: 'Job change: Ada', body: `Ada moved.\n\n${marker}`, dueAt, marker });
    const task = fake.tasks().find((t) => t.id === id);
    expect(task?.properties).toMatchObject({
      hs_timestamp: '2026-11-27T09:00:00.000Z',
      hs_task_subject: 'Job change: Ada',
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: 'HIGH',
      hs_task_type: 'TODO',
      hubspot_owner_id: '71000002',
    });
    expect(task?.associations).toEqual([expect.objectContaining({ toObjectId: c.id, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 })]);
    await session.createTask({ ref: { objectType: 'contact', id: c.id }, ownerId: null, subject: 'other', body: 'no marker here', dueAt, marker: '[crm-enrich:chg-2]' });

    expect(await session.findTask({ objectType: 'contact', id: c.id }, marker)).toBe(id);
    expect(await session.findTask({ objectType: 'contact', id: c.id }, '[crm-enrich:chg-3]')).toBeNull();
    expect(fake.tasks().find((t) => t.properties.hs_task_subject === 'other')?.properties.hs_task_body).toContain('[crm-enrich:chg-2]');
  });

  it('when HubSpot keeps the notes as rich text (and a person edited them), then the marker lookup still finds the task', async () => {
    const { session } = await install();
    const c = fake.addContact({ email: 'rich@example.com' });
    const ref = { objectType: 'contact' as const, id: c.id };
    const marker = '[crm-enrich:jc_Ab-9_z]';
    const body = `Ada moved: Analyst at R&D <Labs> → CTO at "Engines".\nReach out soon.\n\n${marker}`;
    const id = await session.createTask({ ref, ownerId: null, subject: 'Job change: Ada', body, dueAt: Date.now(), marker });
    const stored = fake.tasks().find((t) => t.id === id)!;
    // The fake answers like HubSpot: paragraphs, line breaks and escaped characters, not the text we sent.
    expect(stored.properties.hs_task_body).toBe(
      '<p>Ada moved: Analyst at R&amp;D &lt;Labs&gt; → CTO at &quot;Engines&quot;.<br>Reach out soon.</p><p>[crm-enrich:jc_Ab-9_z]</p>',
    );
    expect(await session.findTask(ref, marker)).toBe(id);
    // A person rewrote the notes in HubSpot's editor, keeping our marker line.
    stored.properties.hs_task_body = `<div><strong>Called her</strong> &amp; left a message.</div><div><br></div><div>${marker}</div>`;
    expect(await session.findTask(ref, marker)).toBe(id);
    expect(await session.findTask(ref, '[crm-enrich:jc_Ab-9]')).toBeNull();
  });

  it('when the owner is no longer valid, then the task is created unassigned', async () => {
    const { session } = await install();
    const c = fake.addContact({ email: 'o@example.com' });
    const id = await session.createTask({ ref: { objectType: 'contact', id: c.id }, ownerId: '123', subject: 's', body: 'b [m]', dueAt: Date.now(), marker: '[m]' });
    expect(fake.tasks().find((t) => t.id === id)?.properties).not.toHaveProperty('hubspot_owner_id');
  });
});
