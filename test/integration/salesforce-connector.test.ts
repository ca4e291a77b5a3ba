// The Salesforce connector end to end against the local Salesforce fake, through jsforce 3.10.26 over real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceConnector } from '../../connectors/salesforce/index.js';
import { ApiBudget, SfClient } from '../../connectors/salesforce/client.js';
import { ENRICHMENT_FIELDS } from '../../connectors/salesforce/provision.js';
import { soql } from '../../connectors/salesforce/soql.js';
import type { TokenSet, TokenStore } from '../../connectors/types.js';
import { BudgetExhaustedError, NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import { fixedClock, type Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { startSalesforceFake, type SalesforceFake, type SalesforceFakeOptions } from '../fakes/salesforce/index.js';

const REDIRECT = 'http://127.0.0.1:3000/oauth/salesforce/callback';
const VERSION = '62.0';
const log = createLogger({ level: 'silent' });

let fake: SalesforceFake;
afterEach(async () => {
  await fake?.close();
});

/** In-memory TokenStore: persists what a refresh returns, like the SQLite one. */
function memoryStore(initial: TokenSet): TokenStore & { current(): TokenSet; saves: number } {
  let tokens = initial;
  const s = {
    saves: 0,
    current: () => tokens,
    load: () => tokens,
    save(t: TokenSet) {
      tokens = t;
      s.saves += 1;
    },
    async withRefreshLock(refresh: (current: TokenSet) => Promise<TokenSet>) {
      tokens = await refresh(tokens);
      return tokens;
    },
  };
  return s;
}

async function setup(opts: SalesforceFakeOptions & { budgetPercent?: number; clock?: Clock; timeoutMs?: number } = {}) {
  fake = await startSalesforceFake(opts);
  const calls: string[] = [];
  const connector = createSalesforceConnector({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    loginUrl: fake.url,
    apiVersion: VERSION,
    budgetPercent: opts.budgetPercent,
    timeoutMs: opts.timeoutMs,
    log,
    clock: opts.clock,
    onCall: (op, status) => calls.push(`${op}:${status}`),
  });
  const { accessToken, refreshToken } = fake.issueTokens();
  const store = memoryStore({ accessToken, refreshToken, expiresAt: null, instanceUrl: fake.url });
  const session = connector.session({ id: 'c1', externalId: fake.orgId, userId: fake.userId, tokens: store });
  return { connector, store, session, calls };
}

async function provisioned(opts: SalesforceFakeOptions & { budgetPercent?: number; clock?: Clock } = {}) {
  const s = await setup(opts);
  const report = await s.session.provision();
  expect(report.missing).toEqual([]);
  fake.resetRequests();
  return s;
}

const count = (pred: (r: SalesforceFake['requests'][number]) => boolean) => fake.requests.filter(pred).length;
const isCollectionsWrite = (r: SalesforceFake['requests'][number]) => r.method === 'PATCH' && /\/composite\/sobjects$/.test(r.path);
const tokenPosts = () => count((r) => r.path === '/services/oauth2/token');

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('connect', () => {
  it('when the admin authorizes with PKCE, then the code exchange yields org, user, label and tokens', async () => {
    const { connector } = await setup();
    expect(connector).toMatchObject({ crm: 'salesforce', usesPkce: true, configured: true });
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(connector.authorizeUrl({ state: 'st-1', redirectUri: REDIRECT, codeChallenge: challenge }));
    expect(url.origin + url.pathname).toBe(`${fake.url}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: fake.clientId,
      redirect_uri: REDIRECT,
      scope: 'api refresh_token',
      state: 'st-1',
      code_challenge: challenge,
    });
    const browser = await fetch(url, { redirect: 'manual' });
    const code = new URL(browser.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const install = await connector.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(install).toMatchObject({ externalId: fake.orgId, userId: fake.userId, label: 'integration@crm-enrich.fake' });
    expect(install.tokens).toMatchObject({ instanceUrl: fake.url, expiresAt: null });
    expect(install.tokens.refreshToken).toBeTruthy();
    const identity = fake.requests.find((r) => r.kind === 'identity');
    expect(identity?.status).toBe(200);
    expect(identity?.query).toBeUndefined(); // Bearer header, never ?oauth_token=
    // the code is single use
    expect(await rejection(connector.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: verifier }))).toBeInstanceOf(ReauthRequiredError);
  });

  it('when the verifier does not match the challenge, then the exchange is refused', async () => {
    const { connector } = await setup();
    const challenge = createHash('sha256').update('the-real-verifier-0123456789-abcdefghijklmnop').digest('base64url');
    const code = fake.issueAuthCode(REDIRECT, challenge);
    const err = await rejection(connector.exchangeCode({ code, redirectUri: REDIRECT, codeVerifier: 'another-verifier-0123456789-abcdefghijklmnopq' }));
    expect(err).toBeInstanceOf(NonRetryableError);
    expect((err as NonRetryableError).code).toBe('salesforce_oauth_invalid_request');
  });

  it('when unconfigured, then install is refused with the reason; revoke ends the refresh token', async () => {
    const { store } = await setup();
    const bare = createSalesforceConnector({ loginUrl: fake.url, apiVersion: VERSION, log });
    expect(bare.configured).toBe(false);
    expect(bare.setupHint).toBe('set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET');
    expect(bare.objectTypes).toEqual(['contact', 'lead']);
    expect(() => bare.authorizeUrl({ state: 's', redirectUri: REDIRECT })).toThrow('Salesforce is not configured: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET');
    const connector = createSalesforceConnector({ clientId: fake.clientId, clientSecret: fake.clientSecret, loginUrl: fake.url, apiVersion: VERSION, log });
    await connector.revoke(store.current());
    await connector.revoke(store.current()); // already revoked: still fine
    fake.expireAccessTokens();
    const session = connector.session({ id: 'c', externalId: fake.orgId, userId: fake.userId, tokens: store });
    expect(await rejection(session.count('contact'))).toBeInstanceOf(ReauthRequiredError);
  });
});

describe('provision', () => {
  it('when the user may change metadata, then 12 fields per object are created in ≤10-component calls and made visible', async () => {
    const { session } = await setup();
    const report = await session.provision();
    expect(report.missing).toEqual([]);
    expect(report.created).toHaveLength(24);
    expect(report.created).toContain('Lead.Enrichment_Seniority__c');
    const md = fake.requests.filter((r) => r.kind === 'metadata');
    expect(md.map((r) => r.operation)).toEqual(['upsertMetadata', 'upsertMetadata', 'upsertMetadata', 'upsertMetadata']);
    expect(md.every((r) => r.status === 200)).toBe(true); // the fake faults on >10 components
    expect(fake.records('PermissionSetAssignment').some((a) => a['AssigneeId'] === fake.userId)).toBe(true);
    for (const type of ['Contact', 'Lead']) {
      expect(fake.visibleFields(type)).toEqual(expect.arrayContaining(ENRICHMENT_FIELDS.map((f) => f.name)));
    }
    const defs = new Map((await session.describe('lead')).map((d) => [d.name, d]));
    expect(defs.get('Enrichment_Seniority__c')).toMatchObject({ type: 'enumeration', updateable: true });
    expect(defs.get('Enrichment_Seniority__c')?.options?.map((o) => o.value)).toEqual(['C-Level', 'VP', 'Director', 'Manager', 'Senior', 'Individual', 'Intern']);
    expect(defs.get('Enrichment_Recent_Job_Change__c')?.type).toBe('bool');
    expect(defs.get('Enrichment_Confidence__c')?.type).toBe('number');
    expect(defs.get('Enrichment_Enriched_At__c')?.type).toBe('datetime');
    expect(defs.get('Enrichment_LinkedIn_URL__c')?.type).toBe('url');
    expect(defs.get('Enrichment_Source__c')).toMatchObject({ type: 'string', maxLength: 80 });
    // idempotent: a second run finds everything and changes nothing
    fake.resetRequests();
    const again = await session.provision();
    expect(again).toMatchObject({ created: [], missing: [] });
    expect(again.existing).toHaveLength(24);
    expect(count((r) => r.kind === 'metadata')).toBe(0);
  });

  it('when fields exist but the user cannot see them, then only the permission set is granted', async () => {
    const { session } = await setup();
    for (const f of ['Enrichment_Headline__c', 'Enrichment_Source__c']) fake.addCustomField(`Contact.${f}`, { type: 'Text', length: 255 }, { grant: false });
    const report = await session.provision();
    expect(report.missing).toEqual([]);
    expect(report.existing).toEqual(expect.arrayContaining(['Contact.Enrichment_Headline__c', 'Contact.Enrichment_Source__c']));
    expect(report.created).toHaveLength(22);
  });

  it('when the user lacks Modify Metadata, then the report names every missing field and nothing throws', async () => {
    const { session } = await setup({ metadataAllowed: false });
    const report = await session.provision();
    expect(report.created).toEqual([]);
    expect(report.missing).toHaveLength(24);
    expect(report.missing.map((m) => `${m.objectType}.${m.name}`)).toEqual(
      expect.arrayContaining(['contact.Enrichment_Seniority__c', 'lead.Enrichment_Enriched_At__c']),
    );
    for (const m of report.missing) expect(m.reason).toMatch(/^INSUFFICIENT_ACCESS: use of the Metadata API requires/);
    expect(count((r) => r.kind === 'metadata')).toBe(1); // stops after the first refusal
  });
});

describe('read, list, createdSince', () => {
  it('reads by id with typed values, drops invisible fields, leaves out deleted ids and flags converted leads', async () => {
    const { session } = await provisioned();
    const owner = fake.ownerIds[0] ?? '';
    const c = fake.addRecord('Contact', {
      FirstName: 'Ada', LastName: 'Lovelace', Email: "o'brien@example.com", OwnerId: owner, Title: 'CTO',
      Enrichment_Recent_Job_Change__c: true, Enrichment_Job_Change_Date__c: '2025-02-03', Enrichment_Confidence__c: 87,
      Enrichment_Enriched_At__c: '2025-02-03T04:05:06.000Z', Enrichment_LinkedIn_URL__c: 'https://linkedin.com/in/ada', Enrichment_Seniority__c: 'C-Level',
    });
    const gone = fake.addRecord('Contact', { LastName: 'Gone' });
    fake.deleteRecord(gone.Id);
    const fields = ['Title', 'Enrichment_Recent_Job_Change__c', 'Enrichment_Job_Change_Date__c', 'Enrichment_Confidence__c', 'Enrichment_Enriched_At__c', 'Enrichment_Seniority__c', 'Secret__c'];
    const read = await session.read('contact', [c.Id, gone.Id, '003000000009999AAA', 'not-an-id'], fields);
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({
      objectType: 'contact', id: c.Id, email: "o'brien@example.com", ownerId: owner, name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace', linkedinUrl: 'https://linkedin.com/in/ada',
      values: { Title: 'CTO', Enrichment_Recent_Job_Change__c: true, Enrichment_Job_Change_Date__c: '2025-02-03', Enrichment_Confidence__c: 87, Enrichment_Enriched_At__c: '2025-02-03T04:05:06.000Z', Enrichment_Seniority__c: 'C-Level' },
    });
    expect(read[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(read[0]?.values).not.toHaveProperty('Secret__c');
    expect(count((r) => r.method === 'POST' && r.path.endsWith('/composite/sobjects/Contact'))).toBe(1);
    const leads = fake.addRecords('Lead', 2);
    fake.updateRecord(leads[1]?.Id ?? '', { IsConverted: true });
    const lr = await session.read('lead', leads.map((l) => l.Id), ['Company']);
    expect(lr.find((l) => l.id === leads[0]?.Id)?.readOnly).toBeUndefined();
    expect(lr.find((l) => l.id === leads[1]?.Id)?.readOnly).toBe(true);
  });

  it('queries an email holding a quote safely, and an injection attempt matches nothing', async () => {
    const { store } = await provisioned();
    fake.addRecord('Contact', { LastName: "O'Brien", Email: "o'brien@example.com" });
    fake.addRecords('Contact', 3);
    const client = new SfClient({ oauth: { clientId: fake.clientId, clientSecret: fake.clientSecret, loginUrl: fake.url }, apiVersion: VERSION, tokens: store, budget: new ApiBudget(80, 60_000, fixedClock(0)), log, clock: fixedClock(0) });
    const hit = await client.query(soql`SELECT Id, Email FROM Contact WHERE Email = ${"o'brien@example.com"}`);
    expect(hit.records.map((r) => r['Email'])).toEqual(["o'brien@example.com"]);
    const injected = await client.query(soql`SELECT Id FROM Contact WHERE Email = ${"x' OR Name != '"}`);
    expect(injected.totalSize).toBe(0);
    expect(fake.requests.at(-1)?.soql).toBe("SELECT Id FROM Contact WHERE Email = 'x\\' OR Name != \\''");
  });

  it('lists every record in pages of 200 by Id, skips converted leads, and survives an expired query locator', async () => {
    const { session } = await provisioned();
    const contacts = fake.addRecords('Contact', 450);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await session.list('contact', { cursor, fields: ['Title'] });
      seen.push(...page.contacts.map((c) => c.id));
      cursor = page.next;
      pages += 1;
      if (pages === 2 && cursor) {
        // a locator that Salesforce no longer knows: the connector restarts after the last Id it saw
        const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { u: string; k: { id: string } };
        cursor = Buffer.from(JSON.stringify({ ...raw, u: raw.u.replace(/query\/[^/]+$/, 'query/01gEXPIRED0000AAA-400') })).toString('base64url');
      }
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(contacts.map((c) => c.Id).sort());
    expect(fake.requests.filter((r) => r.soql?.startsWith('SELECT')).map((r) => r.soql?.includes('Id > ')).filter(Boolean)).toHaveLength(1);
    const leads = fake.addRecords('Lead', 3);
    fake.updateRecord(leads[0]?.Id ?? '', { IsConverted: true });
    const lp = await session.list('lead', { cursor: null, fields: [] });
    expect(lp.contacts.map((l) => l.id)).toEqual([leads[1]?.Id, leads[2]?.Id].sort());
    expect(await session.count('lead')).toBe(2);
    expect(await session.count('contact')).toBe(450);
    await expect(session.list('contact', { cursor: 'garbage', fields: [] })).rejects.toBeInstanceOf(NonRetryableError);
  });

  it('sweeps records created since a mark, oldest first, with the high-water mark', async () => {
    const { session } = await provisioned();
    const old = fake.addRecords('Contact', 5, undefined, { createdAt: new Date('2025-01-01T00:00:00Z') });
    const fresh = fake.addRecords('Contact', 250, undefined, { createdAt: new Date('2025-06-01T10:00:00Z') });
    const newest = fake.addRecord('Contact', { LastName: 'Newest' }, { createdAt: new Date('2025-06-02T00:00:00Z') });
    const converted = fake.addRecord('Lead', { LastName: 'Conv', Company: 'X', IsConverted: true }, { createdAt: new Date('2025-06-01T00:00:00Z') });
    const page1 = await session.createdSince('contact', { since: '2025-06-01T00:00:00.000Z', cursor: null, fields: [] });
    expect(page1.contacts).toHaveLength(200);
    expect(page1.highWater).toBe('2025-06-01T10:00:00.000Z');
    const page2 = await session.createdSince('contact', { since: '2025-06-01T00:00:00.000Z', cursor: page1.next, fields: [] });
    expect(page2.next).toBeNull();
    expect(page2.highWater).toBe('2025-06-02T00:00:00.000Z');
    const ids = [...page1.contacts, ...page2.contacts].map((c) => c.id);
    expect(ids).toEqual([...fresh.map((c) => c.Id).sort(), newest.Id]);
    expect(ids).not.toContain(old[0]?.Id);
    expect(fake.requests.find((r) => r.soql?.includes('CreatedDate >='))?.soql).toContain('CreatedDate >= 2025-06-01T00:00:00Z');
    const all = await session.createdSince('contact', { since: null, cursor: null, fields: [] });
    expect(all.contacts[0]?.id).toBe(old.map((c) => c.Id).sort()[0]);
    const leads = await session.createdSince('lead', { since: null, cursor: null, fields: [] });
    expect(leads.contacts.map((l) => l.id)).not.toContain(converted.Id);
    expect(leads.highWater).toBeNull();
  });
});

describe('write', () => {
  it('writes 1,000 contacts in 5 collection calls with typed values', async () => {
    const { session } = await provisioned();
    const contacts = fake.addRecords('Contact', 1000);
    const outcomes = await session.write(
      'contact',
      contacts.map((c, i) => ({
        ref: { objectType: 'contact', id: c.Id },
        values: { Title: `Title ${i}`, Enrichment_Seniority__c: 'VP', Enrichment_Recent_Job_Change__c: i % 2 === 0, Enrichment_Job_Change_Date__c: '2025-05-01', Enrichment_Confidence__c: 90, Enrichment_Enriched_At__c: '2025-05-02T03:04:05.000Z', IsDeleted: true },
      })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(count(isCollectionsWrite)).toBe(5);
    const r = fake.getRecord(contacts[10]?.Id ?? '');
    expect(r).toMatchObject({ Title: 'Title 10', Enrichment_Seniority__c: 'VP', Enrichment_Recent_Job_Change__c: true, Enrichment_Job_Change_Date__c: '2025-05-01', Enrichment_Confidence__c: 90 });
    expect(String(r?.['Enrichment_Enriched_At__c'])).toMatch(/^2025-05-02T03:04:05/);
    expect(r?.['IsDeleted']).toBe(false); // not updateable: dropped, not sent
  });

  it('retries UNABLE_TO_LOCK_ROW for the locked rows only, marks deleted records, refuses bad picklist values', async () => {
    const { session } = await provisioned();
    const [a, b, c, d, e] = fake.addRecords('Contact', 5);
    const ids = [a, b, c, d, e].map((x) => x?.Id ?? '');
    fake.injectRecordError(ids[0] ?? '', 'UNABLE_TO_LOCK_ROW', 2);
    fake.injectRecordError(ids[1] ?? '', 'UNABLE_TO_LOCK_ROW', 10);
    fake.deleteRecord(ids[2] ?? '');
    const outcomes = await session.write('contact', [
      ...ids.slice(0, 3).map((id) => ({ ref: { objectType: 'contact' as const, id }, values: { Title: 'T' } })),
      { ref: { objectType: 'contact', id: ids[3] ?? '' }, values: { Enrichment_Seniority__c: 'Wizard' } },
      { ref: { objectType: 'contact', id: ids[4] ?? '' }, values: { Secret__c: 'dropped' } },
    ]);
    expect(outcomes[0]).toEqual({ ref: { objectType: 'contact', id: ids[0] }, ok: true });
    expect(outcomes[1]).toMatchObject({ ok: false, retryable: true, code: 'UNABLE_TO_LOCK_ROW' });
    expect(outcomes[2]).toMatchObject({ ok: false, retryable: false, deleted: true, code: 'ENTITY_IS_DELETED' });
    expect(outcomes[3]).toMatchObject({ ok: false, retryable: false, code: 'invalid_value' });
    expect(outcomes[4]).toMatchObject({ ok: true });
    expect(fake.getRecord(ids[0] ?? '')?.['Title']).toBe('T');
    expect(count(isCollectionsWrite)).toBe(4); // first try + 3 retries of the still-locked row
  });
});

describe('tokens', () => {
  it('when the session expires mid-run, then it refreshes once, persists and the run continues', async () => {
    const { session, store, calls } = await provisioned();
    fake.addRecords('Contact', 300);
    const first = await session.list('contact', { cursor: null, fields: [] });
    const before = store.current().accessToken;
    fake.expireAccessTokens();
    const [second, n1, n2] = await Promise.all([session.list('contact', { cursor: first.next, fields: [] }), session.count('contact'), session.count('lead')]);
    expect(second.contacts).toHaveLength(100);
    expect([n1, n2]).toEqual([300, 0]);
    expect(tokenPosts()).toBe(1); // three 401s, one refresh
    expect(store.current().accessToken).not.toBe(before);
    expect(calls.filter((c) => c.startsWith('refresh:'))).toEqual(['refresh:ok']);
    expect(calls).toContain('query_more:ok');
  });

  it('when refresh tokens rotate, then each new one is persisted and the second refresh succeeds', async () => {
    const { session, store, connector } = await setup({ rotateRefreshTokens: true });
    const rt0 = store.current().refreshToken;
    fake.expireAccessTokens();
    await session.count('contact');
    const rt1 = store.current().refreshToken;
    expect(rt1).not.toBe(rt0);
    fake.expireAccessTokens();
    await session.count('contact');
    expect(store.current().refreshToken).not.toBe(rt1);
    expect(store.current().instanceUrl).toBe(fake.url);
    // a second process with a stale in-memory token reuses the stored one instead of refreshing again
    const other = connector.session({ id: 'c1', externalId: fake.orgId, userId: fake.userId, tokens: store });
    await other.count('contact');
    fake.expireAccessTokens();
    await session.count('contact');
    const posts = tokenPosts();
    await other.count('contact'); // its token is dead too, but the store already holds a fresh one
    expect(tokenPosts()).toBe(posts);
  });

  it('when the refresh token is revoked, then calls fail with ReauthRequiredError', async () => {
    const { session } = await setup();
    fake.revokeRefreshTokens();
    const err = await rejection(session.count('contact'));
    expect(err).toBeInstanceOf(ReauthRequiredError);
    expect((err as ReauthRequiredError).code).toBe('invalid_grant');
    expect(err.message).not.toMatch(/5Aep861/);
  });
});

describe('limits and errors', () => {
  it('when usage passes the budget, then background calls pause before calling until the wait is over', async () => {
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const { session } = await provisioned({ dailyApiLimit: 1000, clock });
    fake.setApiUsage(850);
    expect(await session.count('contact')).toBe(0);
    expect(session.apiUsage()).toEqual({ used: 851, limit: 1000 });
    const sent = fake.requests.length;
    const err = await rejection(session.count('contact'));
    expect(err).toBeInstanceOf(BudgetExhaustedError);
    expect((err as BudgetExhaustedError).waitMs).toBe(15 * 60_000);
    expect(fake.requests.length).toBe(sent);
    clock.advance(15 * 60_000);
    fake.setApiUsage(100); // the rolling window freed calls
    expect(await session.count('contact')).toBe(0);
    expect(await session.count('contact')).toBe(0);
    expect(session.apiUsage()).toEqual({ used: 102, limit: 1000 });
  });

  it('maps REQUEST_LIMIT_EXCEEDED to BudgetExhaustedError and 5xx to RetryAfterError', async () => {
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const { session } = await provisioned({ dailyApiLimit: 1000, clock });
    fake.setApiUsage(1000);
    expect(await rejection(session.count('contact'))).toBeInstanceOf(BudgetExhaustedError);
    const sent = fake.requests.length;
    expect(await rejection(session.count('contact'))).toBeInstanceOf(BudgetExhaustedError);
    expect(fake.requests.length).toBe(sent); // paused without calling
    fake.setApiUsage(0);
    clock.advance(15 * 60_000);
    const [c] = fake.addRecords('Contact', 1);
    fake.inject({ method: 'PATCH', path: /composite\/sobjects$/, status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down for maintenance' }], times: 3 });
    const err = await rejection(session.write('contact', [{ ref: { objectType: 'contact', id: c?.Id ?? '' }, values: { Title: 'x' } }]));
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).code).toBe('SERVER_UNAVAILABLE');
    fake.inject({ method: 'GET', path: /\/query/, status: 400, body: [{ errorCode: 'INVALID_FIELD', message: "No such column 'Foo__c'" }], times: 1 });
    const bad = await rejection(session.count('contact'));
    expect(bad).toBeInstanceOf(NonRetryableError);
    expect((bad as NonRetryableError).code).toBe('INVALID_FIELD');
  });

  it('when Salesforce does not answer, then the call times out as a retryable error', async () => {
    const { session } = await setup({ timeoutMs: 300 });
    fake.inject({ method: 'GET', path: /\/query/, status: 200, hang: true, times: 1 });
    const err = await rejection(session.count('contact'));
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).code).toBe('salesforce_network');
    expect(await session.count('contact')).toBe(0);
  });
});

describe('tasks', () => {
  it('creates a task for the owner and finds it again by its marker', async () => {
    const { session } = await provisioned();
    const owner = fake.ownerIds[1] ?? '';
    const c = fake.addRecord('Contact', { LastName: 'Lovelace', OwnerId: owner });
    const marker = '[crm-enrich:task:abc123]';
    const due = Date.parse('2026-03-04T22:30:00Z');
    expect(await session.findTask({ objectType: 'contact', id: c.Id }, marker)).toBeNull();
    const id = await session.createTask({ ref: { objectType: 'contact', id: c.Id }, ownerId: owner, subject: 'Job change: now VP Sales at Acme', body: 'Ada moved.', dueAt: due, marker });
    const task = fake.getRecord(id);
    expect(task).toMatchObject({ WhoId: c.Id, OwnerId: owner, Subject: 'Job change: now VP Sales at Acme', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-03-04' });
    expect(String(task?.['Description'])).toBe(`Ada moved.\n\n${marker}`);
    expect(await session.findTask({ objectType: 'contact', id: c.Id }, marker)).toBe(id);
    expect(await session.findTask({ objectType: 'contact', id: c.Id }, '[crm-enrich:task:other]')).toBeNull();
    const lead = fake.addRecord('Lead', { LastName: 'L', Company: 'C' });
    const leadTask = await session.createTask({ ref: { objectType: 'lead', id: lead.Id }, ownerId: null, subject: 's', body: `b ${marker}`, dueAt: due, marker });
    expect(fake.getRecord(leadTask)?.['Description']).toBe(`b ${marker}`);
    const long = await session.createTask({ ref: { objectType: 'contact', id: c.Id }, ownerId: owner, subject: 'x'.repeat(300), body: 'y'.repeat(40_000), dueAt: due, marker: '[m:long]' });
    const longTask = fake.getRecord(long);
    expect(String(longTask?.['Description'])).toHaveLength(32_000);
    expect(String(longTask?.['Description']).endsWith('\n\n[m:long]')).toBe(true);
    expect(String(longTask?.['Subject'])).toHaveLength(255);
    expect(count((r) => r.path.endsWith('/sobjects/Task/describe'))).toBe(1);
  });

  it("when the record's owner is inactive (INACTIVE_OWNER_OR_USER), then the task goes to the connecting user", async () => {
    const { session } = await provisioned();
    const owner = fake.ownerIds[0] ?? '';
    fake.updateRecord(owner, { IsActive: false });
    try {
      const c = fake.addRecord('Contact', { LastName: 'Babbage' });
      const id = await session.createTask({ ref: { objectType: 'contact', id: c.Id }, ownerId: owner, subject: 's', body: 'b', dueAt: Date.now(), marker: '[m:inactive]' });
      expect(fake.getRecord(id)).toMatchObject({ WhoId: c.Id, OwnerId: fake.userId });
    } finally {
      fake.updateRecord(owner, { IsActive: true });
    }
  });
});
