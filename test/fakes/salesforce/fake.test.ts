// Drives the Salesforce fake through jsforce 3.10.26 (undici fetch → real HTTP on 127.0.0.1).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { Connection, OAuth2 } from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOutboundMessage, isAck, startSalesforceFake, type SalesforceFake, type SalesforceFakeOptions } from './index.js';

const REDIRECT = 'http://127.0.0.1:3000/oauth/salesforce/callback';
const VERSION = '62.0';

interface ErrorLike {
  name?: string;
  errorCode?: string;
  message?: string;
}

async function rejection(p: PromiseLike<unknown>): Promise<ErrorLike> {
  try {
    await p;
  } catch (e) {
    return e as ErrorLike;
  }
  throw new Error('expected the promise to reject');
}

function oauth2For(fake: SalesforceFake): OAuth2 {
  return new OAuth2({ clientId: fake.clientId, clientSecret: fake.clientSecret, redirectUri: REDIRECT, loginUrl: fake.url });
}

function connect(fake: SalesforceFake): Connection {
  const { accessToken, refreshToken } = fake.issueTokens();
  return new Connection({ oauth2: oauth2For(fake), instanceUrl: fake.url, accessToken, refreshToken, version: VERSION });
}

/** the browser leg: GET the authorize URL, read code/state from the 302 */
async function authorizeInBrowser(url: string): Promise<{ code: string; state: string | null; location: URL }> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state'), location };
}

let fake: SalesforceFake;
async function start(opts: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  fake = await startSalesforceFake(opts);
  return fake;
}

afterEach(async () => {
  await fake?.close();
});

describe('OAuth web-server flow', () => {
  beforeEach(async () => {
    await start();
  });

  it('authorizes with PKCE, rejects code reuse, a wrong verifier and a missing verifier', async () => {
    const oauth2 = oauth2For(fake);
    const verifier = createHash('sha256').update('some random state').digest('base64url') + 'x'.repeat(60);
    oauth2.codeVerifier = verifier;
    const authUrl = oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state: 'st-123' });
    const challenge = new URL(authUrl).searchParams.get('code_challenge');
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));

    const { code, state } = await authorizeInBrowser(authUrl);
    expect(state).toBe('st-123');
    const conn = new Connection({ oauth2, version: VERSION });
    const userInfo = await conn.authorize(code);
    expect(userInfo.organizationId).toBe(fake.orgId);
    expect(userInfo.id).toBe(fake.userId);
    expect(conn.instanceUrl).toBe(fake.url);
    expect(conn.refreshToken).toMatch(/^5Aep861/);
    expect(conn.accessToken).toMatch(/^00D000000000001!/);

    // the code is single-use
    const reuse = await rejection(new Connection({ oauth2, version: VERSION }).authorize(code));
    expect(reuse.name).toBe('invalid_grant');

    // wrong verifier → invalid_request
    const second = await authorizeInBrowser(oauth2.getAuthorizationUrl({ state: 'st-2' }));
    const wrong = oauth2For(fake);
    wrong.codeVerifier = 'not-the-verifier-' + 'y'.repeat(50);
    const bad = await rejection(new Connection({ oauth2: wrong, version: VERSION }).authorize(second.code));
    expect(bad.name).toBe('invalid_request');

    // no verifier at all for a code bound to a challenge → invalid_grant
    const third = await authorizeInBrowser(oauth2.getAuthorizationUrl({ state: 'st-3' }));
    const none = await rejection(new Connection({ oauth2: oauth2For(fake), version: VERSION }).authorize(third.code));
    expect(none.name).toBe('invalid_grant');

    expect(fake.requests.filter((r) => r.kind === 'oauth').every((r) => !r.countsTowardLimit)).toBe(true);
  });

  it('uses jsforce useVerifier and serves the identity URL', async () => {
    const oauth2 = new OAuth2({ clientId: fake.clientId, clientSecret: fake.clientSecret, redirectUri: REDIRECT, loginUrl: fake.url, useVerifier: true });
    const { code } = await authorizeInBrowser(oauth2.getAuthorizationUrl({ state: 's' }));
    const conn = new Connection({ oauth2, version: VERSION });
    await conn.authorize(code);
    const id = await conn.identity();
    expect(id.user_id).toBe(fake.userId);
    expect(id.organization_id).toBe(fake.orgId);
    expect(id.username).toBe('integration@crm-enrich.fake');
    expect(id.urls.rest).toBe(`${fake.url}/services/data/v{version}/`);
    const identityCall = fake.requests.find((r) => r.kind === 'identity');
    expect(identityCall?.countsTowardLimit).toBe(false);
  });

  it('refuses an unknown client and a redirect_uri mismatch at the token endpoint', async () => {
    const { code } = await authorizeInBrowser(oauth2For(fake).getAuthorizationUrl({ state: 'a' }));
    const other = new OAuth2({ clientId: fake.clientId, clientSecret: fake.clientSecret, redirectUri: 'http://127.0.0.1:9/elsewhere', loginUrl: fake.url });
    const mismatch = await rejection(other.requestToken(code));
    expect(mismatch.name).toBe('redirect_uri_mismatch');
    const stranger = new OAuth2({ clientId: 'nope', clientSecret: 'x', redirectUri: REDIRECT, loginUrl: fake.url });
    expect((await rejection(stranger.requestToken(code))).name).toBe('invalid_client_id');
  });
});

describe('sessions and limits', () => {
  it('auto-refreshes on INVALID_SESSION_ID and emits refresh', async () => {
    await start();
    fake.addRecords('Contact', 3);
    const conn = connect(fake);
    const refreshes: string[] = [];
    conn.on('refresh', (token: string) => refreshes.push(token));
    const before = conn.accessToken;
    fake.expireAccessTokens();
    const [a, b, c] = await Promise.all([
      conn.query('SELECT Id FROM Contact'),
      conn.query('SELECT Id FROM Contact'),
      conn.query('SELECT Id FROM Contact'),
    ]);
    expect([a.totalSize, b.totalSize, c.totalSize]).toEqual([3, 3, 3]);
    expect(refreshes).toHaveLength(1);
    expect(conn.accessToken).not.toBe(before);
    const tokenCalls = fake.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(tokenCalls).toHaveLength(1);
    expect(fake.requests.filter((r) => r.status === 401)).toHaveLength(3);
  });

  it('rotates refresh tokens; jsforce does not store the rotated one', async () => {
    await start({ rotateRefreshTokens: true });
    const { accessToken, refreshToken } = fake.issueTokens();
    const oauth2 = oauth2For(fake);
    const conn = new Connection({ oauth2, instanceUrl: fake.url, accessToken, refreshToken, version: VERSION });
    let rotated: string | undefined;
    conn.on('refresh', (_token: string, res: { refresh_token?: string }) => {
      rotated = res.refresh_token;
    });
    fake.expireAccessTokens();
    await conn.query('SELECT Id FROM Contact');
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(refreshToken);
    // observed jsforce 3.10.26 behaviour: conn.refreshToken still holds the old token
    expect(conn.refreshToken).toBe(refreshToken);
    // the old token is dead
    const old = await rejection(oauth2.refreshToken(refreshToken));
    expect(old.name).toBe('invalid_grant');
    expect(old.message).toBe('expired access/refresh token');
    // so jsforce's next automatic refresh fails unless the app stores the rotated token
    fake.expireAccessTokens();
    const failed = await rejection(conn.query('SELECT Id FROM Contact'));
    expect(failed.message).toBe('Unable to refresh session due to: expired access/refresh token');
    // ...and works when it does
    conn.refreshToken = rotated ?? null;
    await expect(conn.query('SELECT Id FROM Contact')).resolves.toMatchObject({ totalSize: 0 });
  });

  it('sends Sforce-Limit-Info (parsed into conn.limitInfo) and enforces the daily limit', async () => {
    await start({ dailyApiLimit: 1000 });
    const conn = connect(fake);
    fake.setApiUsage(41);
    await conn.query('SELECT Id FROM Contact');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 42, limit: 1000 } });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 1000, Remaining: 1000 - 43 });
    fake.setApiUsage(1000);
    const err = await rejection(conn.query('SELECT Id FROM Contact'));
    expect(err.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(err.message).toBe('TotalRequests Limit exceeded.');
    expect(fake.apiUsage()).toEqual({ used: 1000, limit: 1000 });
    const last = fake.requests[fake.requests.length - 1];
    expect(last).toMatchObject({ status: 403, kind: 'rest', countsTowardLimit: false, apiVersion: VERSION });
  });

  it('injects faults (status, body, times)', async () => {
    await start();
    const conn = connect(fake);
    fake.inject({ method: 'PATCH', path: /\/composite\/sobjects$/, status: 503, body: '<html>down</html>', times: 1 });
    const [c] = fake.addRecords('Contact', 1);
    const err = await rejection(conn.sobject('Contact').update([{ Id: c?.Id ?? '', Title: 'CTO' }]));
    expect(err.errorCode).toBe('ERROR_HTTP_503');
    const ok = await conn.sobject('Contact').update([{ Id: c?.Id ?? '', Title: 'CTO' }]);
    expect(ok[0]?.success).toBe(true);
    expect(fake.requests.filter((r) => r.injected)).toHaveLength(1);
  });
});

describe('SOQL', () => {
  beforeEach(async () => {
    await start();
  });

  it('handles escaped quotes, case-insensitive text, datetime literals and ORDER BY', async () => {
    const conn = connect(fake);
    fake.addRecord('Contact', { FirstName: 'Liam', LastName: "O'Brien", Email: "o'brien@x.com", Title: 'VP Sales' }, { createdAt: new Date('2025-01-02T10:00:00Z') });
    fake.addRecord('Contact', { LastName: 'Adams', Email: 'adams@x.com' }, { createdAt: new Date('2024-12-30T10:00:00Z') });
    const res = await conn.query<{ Id: string; Email: string; Name: string }>(
      "SELECT Id, Email, Name FROM Contact WHERE Email = 'O\\'BRIEN@x.com'",
    );
    expect(res.totalSize).toBe(1);
    expect(res.records[0]?.Email).toBe("o'brien@x.com");
    expect(res.records[0]?.Name).toBe("Liam O'Brien");
    expect(res.records[0]).toHaveProperty('attributes.type', 'Contact');

    const since = await conn.query<{ Id: string; CreatedDate: string }>(
      'SELECT Id, CreatedDate FROM Contact WHERE CreatedDate > 2025-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id LIMIT 2000',
    );
    expect(since.records.map((r) => r.CreatedDate)).toEqual(['2025-01-02T10:00:00.000+0000']);

    const ordered = await conn.query<{ LastName: string }>("SELECT LastName FROM Contact WHERE (Title = null OR Title LIKE 'vp%') AND NOT Email IN ('z@z.com') ORDER BY LastName DESC NULLS LAST");
    expect(ordered.records.map((r) => r.LastName)).toEqual(["O'Brien", 'Adams']);

    const count = await conn.query('SELECT COUNT() FROM Contact WHERE Email LIKE \'%@x.com\'');
    expect(count.totalSize).toBe(2);

    const viaFind = await conn.sobject('Contact').find({ Email: "o'brien@x.com" }, ['Id', 'Account.Name', 'Owner.Name']);
    expect(viaFind).toHaveLength(1);
    expect(viaFind[0]).toMatchObject({ Account: null, Owner: { Name: 'Integration User' } });
  });

  it('reports MALFORMED_QUERY, INVALID_FIELD and INVALID_TYPE like Salesforce', async () => {
    const conn = connect(fake);
    const unterminated = await rejection(conn.query("SELECT Id FROM Contact WHERE Email = 'oops"));
    expect(unterminated.errorCode).toBe('MALFORMED_QUERY');
    const dangling = await rejection(conn.query('SELECT Id FROM Contact WHERE'));
    expect(dangling.errorCode).toBe('MALFORMED_QUERY');
    expect(dangling.message).toContain("unexpected token: '<EOF>'");
    const mixed = await rejection(conn.query("SELECT Id FROM Contact WHERE Title = 'a' AND Email = 'b' OR Phone = 'c'"));
    expect(mixed.errorCode).toBe('MALFORMED_QUERY');
    const badColumn = await rejection(conn.query('SELECT Id, Foo__c FROM Contact'));
    expect(badColumn.errorCode).toBe('INVALID_FIELD');
    expect(badColumn.message).toContain("No such column 'Foo__c' on entity 'Contact'");
    const quotedDate = await rejection(conn.query("SELECT Id FROM Contact WHERE CreatedDate > '2025-01-01'"));
    expect(quotedDate.errorCode).toBe('INVALID_FIELD');
    expect(quotedDate.message).toContain('must be of type dateTime and should not be enclosed in quotes');
    const badType = await rejection(conn.query('SELECT Id FROM Contactz'));
    expect(badType.errorCode).toBe('INVALID_TYPE');
    const longText = await rejection(conn.query("SELECT Id FROM Contact WHERE Description = 'x'"));
    expect(longText.message).toContain("can not be filtered");
  });

  it('pages 5,000 records with nextRecordsUrl / queryMore, batchSize and autoFetch', async () => {
    const conn = connect(fake);
    fake.addRecords('Contact', 5000);
    const first = await conn.query<{ Id: string }>('SELECT Id, Email FROM Contact ORDER BY Email');
    expect(first).toMatchObject({ totalSize: 5000, done: false });
    expect(first.records).toHaveLength(2000);
    // jsforce rewrites nextRecordsUrl into an absolute URL; the wire format is the relative one
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    const raw = await conn.request<{ nextRecordsUrl: string }>(`/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`);
    expect(raw.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    const second = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl ?? '');
    expect(second.records).toHaveLength(2000);
    expect(second.done).toBe(false);
    const third = await conn.queryMore<{ Id: string }>(second.nextRecordsUrl ?? '');
    expect(third).toMatchObject({ done: true });
    expect(third.records).toHaveLength(1000);
    expect(third.nextRecordsUrl).toBeUndefined();
    const all = new Set([...first.records, ...second.records, ...third.records].map((r) => r.Id));
    expect(all.size).toBe(5000);

    const small = await conn.query('SELECT Id FROM Contact', { headers: { 'Sforce-Query-Options': 'batchSize=500' } });
    expect(small.records).toHaveLength(500);

    const fetched = await conn.query('SELECT Id FROM Contact', { autoFetch: true, maxFetch: 10000 });
    expect(fetched.records).toHaveLength(5000);
    expect(fake.requests.filter((r) => r.soql !== undefined).map((r) => r.soql)).toContain('SELECT Id FROM Contact');

    const badLocator = await rejection(conn.queryMore('/services/data/v62.0/query/01gNOPE-2000'));
    expect(badLocator.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('covers relationships, IN/NOT IN, LIKE escapes, date literals, OFFSET and aggregates', async () => {
    const conn = connect(fake);
    const acct = fake.addRecord('Account', { Name: 'Acme 100%', Industry: 'Technology' });
    const today = new Date();
    fake.addRecord('Contact', { LastName: 'A', Email: 'a@acme.com', AccountId: acct.Id, OwnerId: fake.ownerIds[0], Title: '50% off' }, { createdAt: today });
    fake.addRecord('Contact', { LastName: 'B', Email: 'b@acme.com', Title: '50 percent' }, { createdAt: new Date('2020-05-05T00:00:00Z') });
    fake.addRecord('Contact', { LastName: 'C', Email: null, Department: 'Ops' }, { createdAt: new Date('2020-05-05T00:00:00Z') });
    const q = async (soql: string): Promise<string[]> =>
      (await conn.query<{ LastName: string }>(soql)).records.map((r) => r.LastName);
    expect(await q("SELECT LastName FROM Contact WHERE Account.Name LIKE 'acme 100\\%' ")).toEqual(['A']);
    expect(await q("SELECT LastName FROM Contact WHERE Owner.Alias = 'arep'")).toEqual(['A']);
    expect(await q("SELECT LastName FROM Contact WHERE Title LIKE '50\\%%'")).toEqual(['A']);
    expect(await q("SELECT LastName FROM Contact WHERE Email NOT IN ('a@acme.com') ORDER BY LastName")).toEqual(['B', 'C']);
    expect(await q('SELECT LastName FROM Contact WHERE CreatedDate = TODAY')).toEqual(['A']);
    expect(await q('SELECT LastName FROM Contact WHERE CreatedDate < LAST_N_DAYS:30 ORDER BY LastName')).toEqual(['B', 'C']);
    expect(await q("SELECT LastName FROM Contact WHERE ((Email = null) OR (NOT Email LIKE 'a%')) AND LastName != 'Z' ORDER BY LastName DESC")).toEqual(['C', 'B']);
    expect(await q('SELECT LastName FROM Contact ORDER BY Email NULLS LAST, LastName LIMIT 2 OFFSET 1')).toEqual(['B', 'C']);
    expect(await q(`SELECT LastName FROM Contact WHERE AccountId = '${acct.Id.slice(0, 15)}'`)).toEqual(['A']);
    const withAccount = await conn.query<{ Account: { Name: string; Industry: string } | null }>("SELECT Account.Name, Account.Industry FROM Contact WHERE LastName = 'A'");
    expect(withAccount.records[0]?.Account).toMatchObject({ attributes: { type: 'Account' }, Name: 'Acme 100%', Industry: 'Technology' });
    const agg = await conn.query<{ expr0: number; withEmail: number }>('SELECT COUNT(Id), COUNT(Email) withEmail FROM Contact');
    expect(agg.records[0]).toMatchObject({ expr0: 3, withEmail: 2 });
    const badId = await rejection(conn.query("SELECT Id FROM Contact WHERE Id = 'nope'"));
    expect(badId.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    const badOffset = await rejection(conn.query('SELECT Id FROM Contact OFFSET 2001'));
    expect(badOffset.errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    const dup = await rejection(conn.query('SELECT Id, id FROM Contact'));
    expect(dup.errorCode).toBe('MALFORMED_QUERY');
    const badEscape = await rejection(conn.query("SELECT Id FROM Contact WHERE Email = 'a\\qb'"));
    expect(badEscape.errorCode).toBe('MALFORMED_QUERY');
  });

  it('queryAll returns soft-deleted rows, query does not', async () => {
    const conn = connect(fake);
    const [a] = fake.addRecords('Lead', 2);
    fake.deleteRecord(a?.Id ?? '');
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBe(1);
    const all = await conn.query<{ IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Lead', { scanAll: true });
    expect(all.totalSize).toBe(2);
    expect(all.records.filter((r) => r.IsDeleted)).toHaveLength(1);
  });
});

describe('sObject Collections and DML', () => {
  beforeEach(async () => {
    await start();
  });

  it('updates 200 records in one call; 201 → EXCEEDED_ID_LIMIT (jsforce does not chunk without allowRecursive)', async () => {
    const conn = connect(fake);
    const contacts = fake.addRecords('Contact', 201, undefined, { createdAt: new Date('2025-01-01T00:00:00Z') });
    const updates = contacts.map((c) => ({ Id: c.Id, Title: 'Engineer' }));
    const ok = await conn.sobject('Contact').update(updates.slice(0, 200));
    expect(ok).toHaveLength(200);
    expect(ok.every((r) => r.success)).toBe(true);
    const first = fake.getRecord(contacts[0]?.Id ?? '');
    expect(first?.['Title']).toBe('Engineer');
    expect(String(first?.['SystemModstamp']) > '2025-01-01T00:00:00.000+0000').toBe(true);
    expect(first?.['LastModifiedById']).toBe(fake.userId);

    const calls = fake.requests.length;
    const tooMany = await rejection(conn.sobject('Contact').update(updates));
    expect(tooMany.errorCode).toBe('EXCEEDED_ID_LIMIT');
    expect(tooMany.message).toBe('record limit reached. cannot submit more than 200 records into this call');
    expect(fake.requests.length - calls).toBe(1); // one PATCH with all 201

    const chunked = await conn.sobject('Contact').update(updates, { allowRecursive: true });
    expect(chunked).toHaveLength(201);
  });

  it('returns per-record UNABLE_TO_LOCK_ROW and honours allOrNone', async () => {
    const conn = connect(fake);
    const contacts = fake.addRecords('Contact', 5);
    const ids = contacts.map((c) => c.Id);
    fake.injectRecordError(ids[3] ?? '', 'UNABLE_TO_LOCK_ROW', 1);
    const res = await conn.sobject('Contact').update(ids.map((Id) => ({ Id, Department: 'Sales' })));
    expect(res.map((r) => r.success)).toEqual([true, true, true, false, true]);
    const failure = res[3] as unknown as { errors: { statusCode: string; message: string }[] };
    expect(failure.errors[0]?.statusCode).toBe('UNABLE_TO_LOCK_ROW');
    expect(failure.errors[0]?.message).toContain(ids[3]);
    expect(fake.getRecord(ids[3] ?? '')?.['Department']).toBeNull();

    fake.injectRecordError(ids[1] ?? '', 'UNABLE_TO_LOCK_ROW', 1);
    const rolled = await conn.sobject('Contact').update(
      ids.map((Id) => ({ Id, Department: 'Marketing' })),
      { allOrNone: true },
    );
    const codes = rolled.map((r) => (r as unknown as { errors: { statusCode: string }[] }).errors[0]?.statusCode);
    expect(codes).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'UNABLE_TO_LOCK_ROW', 'ALL_OR_NONE_OPERATION_ROLLED_BACK', 'ALL_OR_NONE_OPERATION_ROLLED_BACK', 'ALL_OR_NONE_OPERATION_ROLLED_BACK']);
    expect(fake.getRecord(ids[0] ?? '')?.['Department']).toBe('Sales');
  });

  it('validates values per record and rejects unknown fields for the whole request', async () => {
    const conn = connect(fake);
    const [c] = fake.addRecords('Contact', 1);
    const [lead, converted] = fake.addRecords('Lead', 2);
    fake.updateRecord(converted?.Id ?? '', { IsConverted: true });
    fake.deleteRecord(lead?.Id ?? '');
    const res = await conn.sobject('Contact').update([
      { Id: c?.Id ?? '', Title: 'x'.repeat(129) },
      { Id: c?.Id ?? '', Email: 'not-an-email' },
      { Id: c?.Id ?? '', Name: 'Computed' },
      { Id: '003Dn000000FAKEAAA', Title: 'ghost' },
    ]);
    const codes = res.map((r) => (r as unknown as { errors: { statusCode: string }[] }).errors[0]?.statusCode);
    expect(codes).toEqual(['STRING_TOO_LONG', 'INVALID_EMAIL_ADDRESS', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'INVALID_CROSS_REFERENCE_KEY']);
    const leads = await conn.sobject('Lead').update([
      { Id: lead?.Id ?? '', Title: 'x' },
      { Id: converted?.Id ?? '', Title: 'x' },
    ]);
    const leadCodes = leads.map((r) => (r as unknown as { errors: { statusCode: string }[] }).errors[0]?.statusCode);
    expect(leadCodes).toEqual(['ENTITY_IS_DELETED', 'CANNOT_UPDATE_CONVERTED_LEAD']);
    const unknown = await rejection(conn.sobject('Contact').update([{ Id: c?.Id ?? '', Nope__c: 'x' }]));
    expect(unknown.errorCode).toBe('INVALID_FIELD');
    const wrongType = await rejection(conn.sobject('Contact').update([{ Id: c?.Id ?? '', HasOptedOutOfEmail: 'FALSE' }]));
    expect(wrongType.errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('creates Tasks with reference and picklist validation', async () => {
    const conn = connect(fake);
    const [contact] = fake.addRecords('Contact', 1, () => ({ LastName: 'Owner', OwnerId: fake.ownerIds[0] }));
    const task = await conn.sobject('Task').create({
      WhoId: contact?.Id,
      Subject: 'Job change: now VP Sales at Acme',
      Description: 'Was Director at Initech',
      Priority: 'High',
      ActivityDate: '2025-07-01',
      OwnerId: contact?.['OwnerId'],
    });
    expect(task.success).toBe(true);
    const stored = fake.getRecord(task.id ?? '');
    expect(stored).toMatchObject({ Status: 'Not Started', Priority: 'High', IsClosed: false, OwnerId: fake.ownerIds[0], WhoId: contact?.Id });
    expect(task.id?.startsWith('00T')).toBe(true);

    const badStatus = await rejection(conn.sobject('Task').create({ WhoId: contact?.Id, Subject: 'x', Status: 'Done' }));
    expect(badStatus.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    const badWho = await rejection(conn.sobject('Task').create({ WhoId: fake.ownerIds[0], Subject: 'x' }));
    expect(badWho.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const badDate = await rejection(conn.sobject('Task').create({ WhoId: contact?.Id, Subject: 'x', ActivityDate: '07/01/2025' }));
    expect(badDate.errorCode).toBe('JSON_PARSER_ERROR');
    const many = await conn.sobject('Task').create([
      { WhoId: contact?.Id, Subject: 'ok' },
      { WhoId: contact?.Id, Subject: 'bad owner', OwnerId: '005Dn00000ZZZZZAAA' },
    ]);
    expect(many.map((r) => r.success)).toEqual([true, false]);
  });

  it('retrieves records by id (missing ids → null)', async () => {
    const conn = connect(fake);
    const [a, b] = fake.addRecords('Contact', 2);
    const got = await conn.sobject('Contact').retrieve([a?.Id ?? '', '003Dn000000FAKEAAA', b?.Id ?? ''], { fields: ['Id', 'Email'] });
    expect(got.map((r) => (r ? r['Email'] : null))).toEqual([a?.['Email'], null, b?.['Email']]);
  });
});

describe('Metadata API and field-level security', () => {
  it('creates custom fields invisible until a permission set grants FLS', async () => {
    await start();
    const conn = connect(fake);
    const fields = [
      {
        fullName: 'Contact.Enrichment_Seniority__c',
        label: 'Seniority',
        type: 'Picklist',
        valueSet: {
          restricted: true,
          valueSetDefinition: {
            sorted: false,
            value: ['C-Level', 'VP', 'Director', 'Manager', 'Senior', 'Individual', 'Intern'].map((v) => ({ fullName: v, label: v, default: false })),
          },
        },
      },
      { fullName: 'Contact.Enrichment_Recent_Job_Change__c', label: 'Recent Job Change', type: 'Checkbox', defaultValue: 'false' },
      { fullName: 'Contact.Enrichment_Source__c', label: 'Source', type: 'Text', length: 255 },
      { fullName: 'Contact.Enrichment_Confidence__c', label: 'Confidence', type: 'Number', precision: 3, scale: 0 },
      { fullName: 'Contact.Enrichment_Enriched_At__c', label: 'Enriched At', type: 'DateTime' },
      { fullName: 'Contact.Broken__c', label: 'Broken', type: 'Text' },
    ];
    const results = await conn.metadata.upsert('CustomField', fields);
    expect(results.map((r) => [r.fullName, r.success, r.created])).toEqual([
      ['Contact.Enrichment_Seniority__c', true, true],
      ['Contact.Enrichment_Recent_Job_Change__c', true, true],
      ['Contact.Enrichment_Source__c', true, true],
      ['Contact.Enrichment_Confidence__c', true, true],
      ['Contact.Enrichment_Enriched_At__c', true, true],
      ['Contact.Broken__c', false, false],
    ]);
    const broken = results[5] as unknown as { errors: { statusCode: string; message: string }[] };
    expect(broken.errors).toMatchObject([{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: "Must specify 'length' for a CustomField of type Text" }]);
    const again = await conn.metadata.upsert('CustomField', fields.slice(0, 1));
    expect(again).toMatchObject([{ success: true, created: false }]);

    // exists, but nobody can see it yet
    expect(fake.fieldNames('Contact')).toContain('Enrichment_Seniority__c');
    expect(fake.visibleFields('Contact')).not.toContain('Enrichment_Seniority__c');
    const before = await conn.describe('Contact');
    expect(before.fields.map((f) => f.name)).not.toContain('Enrichment_Seniority__c');
    const invisible = await rejection(conn.query('SELECT Id, Enrichment_Seniority__c FROM Contact'));
    expect(invisible.errorCode).toBe('INVALID_FIELD');

    const ps = await conn.metadata.upsert('PermissionSet', {
      fullName: 'Crm_Enrich_Fields',
      label: 'CRM Enrich fields',
      fieldPermissions: fields.slice(0, 5).map((f) => ({ field: f.fullName, readable: true, editable: true })),
    });
    expect(ps).toMatchObject({ success: true, created: true, fullName: 'Crm_Enrich_Fields' });
    const psRow = await conn.query<{ Id: string }>("SELECT Id FROM PermissionSet WHERE Name = 'Crm_Enrich_Fields'");
    expect(psRow.totalSize).toBe(1);
    const psId = psRow.records[0]?.Id ?? '';
    const assignment = await conn.sobject('PermissionSetAssignment').create({ AssigneeId: fake.userId, PermissionSetId: psId });
    expect(assignment.success).toBe(true);
    const dup = await rejection(conn.sobject('PermissionSetAssignment').create({ AssigneeId: fake.userId, PermissionSetId: psId }));
    expect(dup.errorCode).toBe('DUPLICATE_VALUE');

    const after = await conn.describe('Contact');
    const seniority = after.fields.find((f) => f.name === 'Enrichment_Seniority__c');
    expect(seniority).toMatchObject({ type: 'picklist', custom: true, createable: true, updateable: true, restrictedPicklist: true });
    expect(seniority?.picklistValues?.map((p: { value: string }) => p.value)).toEqual(['C-Level', 'VP', 'Director', 'Manager', 'Senior', 'Individual', 'Intern']);
    expect(after.fields.find((f) => f.name === 'Enrichment_Recent_Job_Change__c')).toMatchObject({ type: 'boolean', nillable: false });

    const [c] = fake.addRecords('Contact', 1);
    const upd = await conn.sobject('Contact').update([
      { Id: c?.Id ?? '', Enrichment_Seniority__c: 'VP', Enrichment_Confidence__c: 87, Enrichment_Enriched_At__c: '2025-06-01T12:00:00Z', Enrichment_Recent_Job_Change__c: true },
      { Id: c?.Id ?? '', Enrichment_Seniority__c: 'Boss' },
    ]);
    expect(upd.map((r) => r.success)).toEqual([true, false]);
    const row = await conn.query<Record<string, unknown>>(`SELECT Enrichment_Seniority__c, Enrichment_Confidence__c, Enrichment_Enriched_At__c, Enrichment_Recent_Job_Change__c FROM Contact WHERE Id = '${c?.Id ?? ''}'`);
    expect(row.records[0]).toMatchObject({
      Enrichment_Seniority__c: 'VP',
      Enrichment_Confidence__c: 87,
      Enrichment_Enriched_At__c: '2025-06-01T12:00:00.000+0000',
      Enrichment_Recent_Job_Change__c: true,
    });

    const read = await conn.metadata.read('CustomField', ['Contact.Enrichment_Source__c']);
    expect(read).toMatchObject([{ fullName: 'Contact.Enrichment_Source__c', label: 'Source', type: 'Text', length: 255 }]);
    const readPs = await conn.metadata.read('PermissionSet', 'Crm_Enrich_Fields');
    expect(readPs.fullName).toBe('Crm_Enrich_Fields');
    const metadataCalls = fake.requests.filter((r) => r.kind === 'metadata');
    expect(metadataCalls.map((r) => r.operation)).toEqual(['upsertMetadata', 'upsertMetadata', 'upsertMetadata', 'readMetadata', 'readMetadata']);
    expect(metadataCalls.every((r) => r.countsTowardLimit)).toBe(true);
  });

  it('faults on >10 components, missing Modify Metadata, and refreshes an expired SOAP session', async () => {
    await start({ metadataAllowed: false });
    const conn = connect(fake);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ fullName: `Lead.F${i}__c`, label: `F${i}`, type: 'Date' }));
    const denied = await rejection(conn.metadata.upsert('CustomField', eleven.slice(0, 1)));
    expect(denied.errorCode).toBe('sf:INSUFFICIENT_ACCESS');
    expect(denied.message).toBe('INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions');
    await fake.close();

    await start();
    const conn2 = connect(fake);
    const tooMany = await rejection(conn2.metadata.upsert('CustomField', eleven));
    expect(tooMany.errorCode).toBe('sf:EXCEEDED_ID_LIMIT');
    let refreshed = 0;
    conn2.on('refresh', () => {
      refreshed += 1;
    });
    fake.expireAccessTokens();
    const res = await conn2.metadata.upsert('CustomField', { fullName: 'Lead.Enrichment_Department__c', label: 'Department', type: 'Text', length: 80 });
    expect(res).toMatchObject({ success: true, created: true });
    expect(refreshed).toBe(1);
  });
});

describe('Outbound Messages', () => {
  it('builds the SOAP notification Salesforce POSTs, parseable by fast-xml-parser', async () => {
    const xml = buildOutboundMessage({
      orgId: '00D000000000001AAA',
      actionId: '04k000000000002AAA',
      notifications: [
        { id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA', Email: 'a&b@x.com', Title: 'VP', HasOptedOutOfEmail: false, Phone: null } },
        { id: '04l000000000002AAA', sObject: { type: 'Lead', Id: '00Q000000000001AAA', Company: 'Acme <Inc>' } },
      ],
    });
    const parsed = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false, isArray: (n) => n === 'Notification' }).parse(xml) as {
      Envelope: { Body: { notifications: { OrganizationId: string; ActionId: string; SessionId: Record<string, string>; Notification: { Id: string; sObject: Record<string, string> }[] } } };
    };
    const n = parsed.Envelope.Body.notifications;
    expect(n.OrganizationId).toBe('00D000000000001AAA');
    expect(n.ActionId).toBe('04k000000000002AAA');
    expect(n.SessionId['@_nil']).toBe('true');
    expect(n.Notification).toHaveLength(2);
    expect(n.Notification[0]?.sObject).toMatchObject({ '@_type': 'sf:Contact', Id: '003000000000001AAA', Email: 'a&b@x.com', Title: 'VP', HasOptedOutOfEmail: 'false' });
    expect(n.Notification[0]?.sObject).not.toHaveProperty('Phone');
    expect(n.Notification[1]?.sObject).toMatchObject({ '@_type': 'sf:Lead', Company: 'Acme <Inc>' });
    expect(xml).toContain('xmlns="http://soap.sforce.com/2005/09/outbound"');
  });

  it('sends the current record state to a listener and recognises the Ack', async () => {
    await start();
    const [c] = fake.addRecords('Contact', 1);
    fake.updateRecord(c?.Id ?? '', { Title: 'Head of Growth' });
    let received = '';
    const listener = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        received = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>');
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (listener.address() as AddressInfo).port;
      const res = await fake.sendOutboundMessage(`http://127.0.0.1:${port}/webhooks/salesforce`, 'Contact', [c?.Id ?? ''], ['Email', 'Title']);
      expect(isAck(res.status, res.body)).toBe(true);
      expect(received).toContain('<sf:Title>Head of Growth</sf:Title>');
      expect(received).toContain(`<OrganizationId>${fake.orgId}</OrganizationId>`);
    } finally {
      await new Promise<void>((r) => listener.close(() => r()));
    }
  });
});
