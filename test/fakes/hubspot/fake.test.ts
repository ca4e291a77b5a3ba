// Drives the HubSpot fake through the official SDK (@hubspot/api-client 14) to prove it speaks HubSpot.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import { PropertyCreateFieldTypeEnum as F, PropertyCreateTypeEnum as T } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactCreationEvent, type HubSpotFake, sendWebhook, signWebhookV3, startHubSpotFake } from './index.js';

interface SdkError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

function isSdkError(e: unknown): e is SdkError {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number' && 'body' in e;
}

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    if (isSdkError(e)) return e;
    throw e;
  }
  throw new Error('expected the SDK call to throw');
}

const REDIRECT = 'http://localhost:3000/oauth/hubspot/callback';

async function connect(fake: HubSpotFake): Promise<{ client: Client; accessToken: string; refreshToken: string }> {
  const code = fake.issueAuthCode(REDIRECT);
  const tokens = await new Client({ basePath: fake.url }).oauth.tokensApi.create(
    'authorization_code',
    code,
    REDIRECT,
    fake.clientId,
    fake.clientSecret,
  );
  return {
    client: new Client({ accessToken: tokens.accessToken, basePath: fake.url }),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

async function rawJson(client: Client, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await client.apiRequest({ method, path, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

describe('webhook signature v3', () => {
  it('matches the documented test vector', () => {
    expect(
      signWebhookV3({
        clientSecret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
        method: 'POST',
        url: 'https://www.example.com/webhook_uri',
        body: '{"example_field":"example_value"}',
        timestamp: 1700000000000,
      }),
    ).toBe('rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=');
  });

  it('sendWebhook posts a signed JSON array with the v3 headers', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hubspot`;
    try {
      const event = contactCreationEvent(4242, 101);
      const res = await sendWebhook(target, [event], { clientSecret: 'shh', timestamp: 1700000000000 });
      expect(res.status).toBe(200);
      const got = seen[0];
      expect(got).toBeDefined();
      if (!got) return;
      expect(JSON.parse(got.body)).toEqual([event]);
      expect(event).toMatchObject({ subscriptionType: 'contact.creation', changeFlag: 'NEW', changeSource: 'CRM', attemptNumber: 0, objectId: 101 });
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['x-hubspot-signature-version']).toBe('v3');
      expect(got.headers['x-hubspot-request-timestamp']).toBe('1700000000000');
      expect(got.headers['x-hubspot-signature-v3']).toBe(
        signWebhookV3({ clientSecret: 'shh', method: 'POST', url: target, body: got.body, timestamp: 1700000000000 }),
      );
      await sendWebhook(target, [event], { clientSecret: 'shh', tamper: 'body', timestamp: 1700000000000 });
      const tampered = seen[1];
      expect(tampered?.headers['x-hubspot-signature-v3']).toBe(got.headers['x-hubspot-signature-v3']);
      expect(tampered?.body).not.toBe(got.body);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('HubSpot fake through @hubspot/api-client', () => {
  let fake: HubSpotFake;

  beforeEach(async () => {
    fake = await startHubSpotFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('OAuth', () => {
    it('authorize redirects with code+state, the code exchanges once, token info gives the hub id', async () => {
      const authorize = new URL(fake.authorizeUrl);
      authorize.search = new URLSearchParams({
        client_id: fake.clientId,
        redirect_uri: REDIRECT,
        scope: 'oauth crm.objects.contacts.read',
        state: 'st8',
      }).toString();
      const redirect = await fetch(authorize, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = new URL(redirect.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get('state')).toBe('st8');
      const code = location.searchParams.get('code') ?? '';

      const oauth = new Client({ basePath: fake.url }).oauth;
      const tokens = await oauth.tokensApi.create('authorization_code', code, REDIRECT, fake.clientId, fake.clientSecret);
      expect(tokens.tokenType).toBe('bearer');
      expect(tokens.expiresIn).toBe(1800);
      expect(tokens.accessToken.length).toBeGreaterThan(20);

      const info = await oauth.accessTokensApi.get(tokens.accessToken);
      expect(info.hubId).toBe(4242);
      expect(info.scopes).toEqual(['oauth', 'crm.objects.contacts.read']);
      expect(info.appId).toBe(fake.appId);
      expect(info.token).toBe(tokens.accessToken);

      // single use
      const reuse = await sdkError(oauth.tokensApi.create('authorization_code', code, REDIRECT, fake.clientId, fake.clientSecret));
      expect(reuse.code).toBe(400);
      // raw body carries HubSpot's v1 OAuth error fields
      const raw = await fetch(`${fake.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: fake.clientId, client_secret: fake.clientSecret }),
      });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ status: 'BAD_AUTH_CODE', error: 'invalid_grant' });

      const other = fake.issueAuthCode(REDIRECT);
      const badRedirect = await fetch(`${fake.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: other, redirect_uri: 'http://localhost:3000/elsewhere', client_id: fake.clientId, client_secret: fake.clientSecret }),
      });
      expect((await badRedirect.json()) as unknown).toMatchObject({ status: 'BAD_REDIRECT_URI' });
      const badClient = await sdkError(oauth.tokensApi.create('authorization_code', other, REDIRECT, 'nope', fake.clientSecret));
      expect(badClient.code).toBe(400);

      expect((await sdkError(oauth.accessTokensApi.get('not-a-token'))).code).toBe(404);
    });

    it('refresh keeps the refresh token; revoked refresh tokens give BAD_REFRESH_TOKEN', async () => {
      const { refreshToken } = await connect(fake);
      const oauth = new Client({ basePath: fake.url }).oauth;
      const refreshed = await oauth.tokensApi.create('refresh_token', undefined, undefined, fake.clientId, fake.clientSecret, refreshToken);
      expect(refreshed.refreshToken).toBe(refreshToken);
      fake.revokeRefreshTokens();
      const err = await sdkError(oauth.tokensApi.create('refresh_token', undefined, undefined, fake.clientId, fake.clientSecret, refreshToken));
      expect(err.code).toBe(400);
      const raw = await fetch(`${fake.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: fake.clientId, client_secret: fake.clientSecret }),
      });
      expect(await raw.json()).toMatchObject({ status: 'BAD_REFRESH_TOKEN', error: 'invalid_grant' });
    });

    it('rotates refresh tokens when asked to', async () => {
      await fake.close();
      fake = await startHubSpotFake({ rotateRefreshTokens: true });
      const { refreshToken } = await connect(fake);
      const oauth = new Client({ basePath: fake.url }).oauth;
      const refreshed = await oauth.tokensApi.create('refresh_token', undefined, undefined, fake.clientId, fake.clientSecret, refreshToken);
      expect(refreshed.refreshToken).not.toBe(refreshToken);
      expect((await sdkError(oauth.tokensApi.create('refresh_token', undefined, undefined, fake.clientId, fake.clientSecret, refreshToken))).code).toBe(400);
    });

    it('expired and unknown access tokens get 401 with the HubSpot categories', async () => {
      const { client } = await connect(fake);
      await client.crm.contacts.basicApi.getPage(1);
      fake.expireAccessTokens();
      const expired = await sdkError(client.crm.contacts.basicApi.getPage(1));
      expect(expired.code).toBe(401);
      expect(expired.body.category).toBe('EXPIRED_AUTHENTICATION');
      expect(String(expired.body.message)).toMatch(/^The OAuth token used to make this call expired \d+ hour\(s\) ago\.$/);

      const stranger = new Client({ accessToken: 'made-up', basePath: fake.url });
      const unknown = await sdkError(stranger.crm.contacts.basicApi.getPage(1));
      expect(unknown.code).toBe(401);
      expect(unknown.body.category).toBe('INVALID_AUTHENTICATION');
      expect(String(unknown.body.message)).toContain('Authentication credentials not found');
    });
  });

  describe('properties', () => {
    it('lists the standard contact properties with definitions', async () => {
      const { client } = await connect(fake);
      const all = await client.crm.properties.coreApi.getAll('contacts');
      const byName = new Map(all.results.map((p) => [p.name, p]));
      for (const n of ['email', 'firstname', 'jobtitle', 'hs_linkedin_url', 'numemployees', 'hubspot_owner_id', 'createdate', 'hs_object_id']) {
        expect(byName.has(n)).toBe(true);
      }
      expect(byName.get('numemployees')?.type).toBe('enumeration');
      expect(byName.get('numemployees')?.options.map((o) => o.value)).toContain('1000+');
      expect(byName.get('createdate')?.modificationMetadata?.readOnlyValue).toBe(true);
      expect(byName.get('hubspot_owner_id')?.options.map((o) => o.value)).toEqual(fake.owners.map((o) => o.id));

      fake.removeProperty('hs_linkedin_url');
      const missing = await sdkError(client.crm.properties.coreApi.getByName('contacts', 'hs_linkedin_url'));
      expect(missing.code).toBe(404);
    });

    it('creates groups and properties, 409 on duplicates, validates definitions', async () => {
      const { client } = await connect(fake);
      const props = client.crm.properties;
      const group = await props.groupsApi.create('contacts', { name: 'enrichment', label: 'Enrichment' });
      expect(group.name).toBe('enrichment');
      expect((await props.groupsApi.getByName('contacts', 'enrichment')).label).toBe('Enrichment');
      expect((await sdkError(props.groupsApi.create('contacts', { name: 'enrichment', label: 'Again' }))).code).toBe(409);
      expect((await sdkError(props.groupsApi.getByName('contacts', 'nope'))).code).toBe(404);

      const created = await props.coreApi.create('contacts', {
        name: 'enrichment_seniority',
        label: 'Seniority',
        type: T.Enumeration,
        fieldType: F.Select,
        groupName: 'enrichment',
        options: [
          { label: 'VP', value: 'VP', hidden: false },
          { label: 'Director', value: 'Director', hidden: false },
        ],
      });
      expect(created.name).toBe('enrichment_seniority');
      expect((await props.coreApi.getByName('contacts', 'enrichment_seniority')).options).toHaveLength(2);
      const dup = await sdkError(
        props.coreApi.create('contacts', { name: 'enrichment_seniority', label: 'x', type: T.String, fieldType: F.Text, groupName: 'enrichment' }),
      );
      expect(dup.code).toBe(409);

      const badPair = await sdkError(
        props.coreApi.create('contacts', { name: 'enrichment_flag', label: 'x', type: T.Bool, fieldType: F.Text, groupName: 'enrichment' }),
      );
      expect(badPair.code).toBe(400);
      expect(badPair.body.category).toBe('VALIDATION_ERROR');
      const noOptions = await sdkError(
        props.coreApi.create('contacts', { name: 'enrichment_x', label: 'x', type: T.Enumeration, fieldType: F.Select, groupName: 'enrichment' }),
      );
      expect(noOptions.code).toBe(400);
      const noGroup = await sdkError(
        props.coreApi.create('contacts', { name: 'enrichment_y', label: 'y', type: T.String, fieldType: F.Text, groupName: 'missing_group' }),
      );
      expect(noGroup.code).toBe(400);
      const badName = await sdkError(
        props.coreApi.create('contacts', { name: 'Enrichment Z', label: 'z', type: T.String, fieldType: F.Text, groupName: 'enrichment' }),
      );
      expect(badName.code).toBe(400);

      const batch = await props.batchApi.create('contacts', {
        inputs: [
          { name: 'enrichment_source', label: 'Source', type: T.String, fieldType: F.Text, groupName: 'enrichment' },
          { name: 'enrichment_seniority', label: 'dup', type: T.String, fieldType: F.Text, groupName: 'enrichment' },
        ],
      });
      expect(batch.results.map((p) => p.name)).toEqual(['enrichment_source']);
      expect('numErrors' in batch ? batch.numErrors : 0).toBe(1);
    });
  });

  describe('contacts', () => {
    it('pages with getPage and returns only requested properties plus the defaults', async () => {
      const { client } = await connect(fake);
      fake.addContacts(25, (i) => ({ email: `p${i}@acme.com`, firstname: `P${i}`, jobtitle: 'Engineer', city: 'Paris' }));
      const ids: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await client.crm.contacts.basicApi.getPage(10, after, ['jobtitle', 'not_a_property']);
        pages++;
        for (const c of page.results) {
          ids.push(c.id);
          expect(Object.keys(c.properties).sort()).toEqual(['createdate', 'hs_object_id', 'jobtitle', 'lastmodifieddate']);
          expect(c.createdAt).toBeInstanceOf(Date);
        }
        after = page.paging?.next?.after;
      } while (after);
      expect(pages).toBe(3);
      expect(new Set(ids).size).toBe(25);

      const defaults = await client.crm.contacts.basicApi.getPage(1);
      expect(Object.keys(defaults.results[0]?.properties ?? {}).sort()).toEqual([
        'createdate',
        'email',
        'firstname',
        'hs_object_id',
        'lastmodifieddate',
        'lastname',
      ]);
      expect(defaults.results[0]?.properties.lastname).toBeNull();

      expect((await sdkError(client.crm.contacts.basicApi.getPage(101))).code).toBe(400);

      const byEmail = await client.crm.contacts.basicApi.getById('P3@acme.com', ['city'], undefined, undefined, false, 'email');
      expect(byEmail.properties.city).toBe('Paris');
      expect((await sdkError(client.crm.contacts.basicApi.getById('999999'))).code).toBe(404);
    });

    it('when a batch update is sent twice with the same values, then the write log shows the changed properties once and an empty change the second time', async () => {
      const { client } = await connect(fake);
      const [a, b] = fake.addContacts(2, (i) => ({ email: `w${i}@acme.com`, city: 'Paris' }));
      const inputs: { id: string; properties: Record<string, string> }[] = [
        { id: a!.id, properties: { city: 'Berlin', jobtitle: 'CTO' } },
        { id: b!.id, properties: { city: 'Paris' } },
      ];
      await client.crm.contacts.batchApi.update({ inputs });
      await client.crm.contacts.batchApi.update({ inputs });
      expect(fake.contactWrites.map((w) => [w.contactId, w.changed])).toEqual([
        [a!.id, ['city', 'jobtitle']],
        [b!.id, []],
        [a!.id, []],
        [b!.id, []],
      ]);
    });

    it('create gives 409 with the existing id on a duplicate email', async () => {
      const { client } = await connect(fake);
      const c = await client.crm.contacts.basicApi.create({ properties: { email: 'Dup@Acme.com', firstname: 'D' }, associations: [] });
      expect(c.properties.email).toBe('dup@acme.com');
      const err = await sdkError(client.crm.contacts.basicApi.create({ properties: { email: 'dup@acme.com' }, associations: [] }));
      expect(err.code).toBe(409);
      expect(err.body.category).toBe('CONFLICT');
      expect(err.body.message).toBe(`Contact already exists. Existing ID: ${c.id}`);
    });

    it('batch read resolves a 207 with OBJECT_NOT_FOUND errors for missing and archived ids', async () => {
      const { client } = await connect(fake);
      const [a, b, gone] = fake.addContacts(3);
      if (!a || !b || !gone) throw new Error('seed failed');
      fake.archiveContact(gone.id);
      const res = await client.crm.contacts.batchApi.read({
        inputs: [{ id: a.id }, { id: '987654' }, { id: b.id }, { id: gone.id }],
        properties: ['email'],
        propertiesWithHistory: [],
      });
      expect(res.status).toBe('COMPLETE');
      expect(res.results.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      expect('numErrors' in res ? res.numErrors : undefined).toBe(1);
      const error = 'errors' in res ? res.errors?.[0] : undefined;
      expect(error?.category).toBe('OBJECT_NOT_FOUND');
      expect(error?.context?.ids).toEqual(['987654', gone.id]);

      const byEmail = await client.crm.contacts.batchApi.read({
        inputs: [{ id: a.properties.email ?? '' }],
        properties: ['firstname'],
        propertiesWithHistory: [],
        idProperty: 'email',
      });
      expect(byEmail.results[0]?.id).toBe(a.id);

      const tooMany = await sdkError(
        client.crm.contacts.batchApi.read({ inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i + 1) })), properties: [], propertiesWithHistory: [] }),
      );
      expect(tooMany.code).toBe(400);
    });

    it('batch update rejects the whole batch on invalid values (VALIDATION_ERROR) and applies nothing', async () => {
      const { client } = await connect(fake);
      const [a, b] = fake.addContacts(2);
      if (!a || !b) throw new Error('seed failed');
      const cases: [Record<string, string>, string][] = [
        [{ no_such_property: 'x' }, 'PROPERTY_DOESNT_EXIST'],
        [{ numemployees: '42' }, 'INVALID_OPTION'],
        [{ numemployees: ' 1-5' }, 'LEADING_TRAILING_WHITESPACE'],
        [{ createdate: '2024-01-01T00:00:00Z' }, 'READ_ONLY_VALUE'],
        [{ hs_object_id: '5' }, 'READ_ONLY_VALUE'],
      ];
      for (const [props, code] of cases) {
        const err = await sdkError(
          client.crm.contacts.batchApi.update({
            inputs: [
              { id: a.id, properties: { jobtitle: 'CTO' } },
              { id: b.id, properties: props },
            ],
          }),
        );
        expect(err.code).toBe(400);
        expect(err.body.category).toBe('VALIDATION_ERROR');
        expect(String(err.body.message)).toMatch(/^Property values were not valid: \[/);
        expect(String(err.body.message)).toContain(`"error":"${code}"`);
      }
      expect(fake.getContact(a.id)?.properties.jobtitle).toBeUndefined();

      const tooMany = await sdkError(
        client.crm.contacts.batchApi.update({ inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i + 1), properties: {} })) }),
      );
      expect(tooMany.code).toBe(400);
      expect(tooMany.body.category).toBe('VALIDATION_ERROR');
    });

    it('validates value formats per type on custom properties', async () => {
      const { client } = await connect(fake);
      await client.crm.properties.groupsApi.create('contacts', { name: 'enrichment', label: 'Enrichment' });
      const mk = (name: string, type: T, fieldType: F) =>
        client.crm.properties.coreApi.create('contacts', { name, label: name, type, fieldType, groupName: 'enrichment' });
      await mk('enr_flag', T.Bool, F.Booleancheckbox);
      await mk('enr_conf', T.Number, F.Number);
      await mk('enr_day', T.Date, F.Date);
      await mk('enr_at', T.Datetime, F.Date);
      const [c] = fake.addContacts(1);
      if (!c) throw new Error('seed failed');
      const bad: [Record<string, string>, string][] = [
        [{ enr_flag: 'yes' }, 'INVALID_BOOLEAN'],
        [{ enr_conf: 'eighty' }, 'INVALID_DOUBLE'],
        [{ enr_conf: '80 ' }, 'LEADING_TRAILING_WHITESPACE'],
        [{ enr_day: '1700000000000' }, 'INVALID_DATE'],
        [{ enr_day: '2024-02-30' }, 'INVALID_DATE'],
        [{ enr_at: 'last tuesday' }, 'INVALID_LONG'],
      ];
      for (const [props, code] of bad) {
        const err = await sdkError(client.crm.contacts.basicApi.update(c.id, { properties: props }));
        expect(err.code).toBe(400);
        expect(String(err.body.message)).toContain(`"error":"${code}"`);
      }
      const before = fake.getContact(c.id)?.properties.lastmodifieddate;
      const ok = await client.crm.contacts.basicApi.update(c.id, {
        properties: { enr_flag: 'true', enr_conf: '80', enr_day: '1704067200000', enr_at: '1704067200123', numemployees: '25-50' },
      });
      expect(ok.properties).toMatchObject({ enr_flag: 'true', enr_conf: '80', enr_day: '2024-01-01', enr_at: '2024-01-01T00:00:00.123Z' });
      expect(ok.properties.lastmodifieddate).not.toBe(before);
      expect(ok.updatedAt.getTime()).toBeGreaterThanOrEqual(ok.createdAt.getTime());
    });

    it('batch update with a missing id answers 207 and applies the others', async () => {
      const { client } = await connect(fake);
      const [a] = fake.addContacts(1);
      if (!a) throw new Error('seed failed');
      const before = a.properties.lastmodifieddate;
      const res = await client.crm.contacts.batchApi.update({
        inputs: [
          { id: a.id, properties: { jobtitle: 'CTO', numemployees: '1000+' } },
          { id: '424242', properties: { jobtitle: 'Ghost' } },
        ],
      });
      expect(res.results.map((r) => r.id)).toEqual([a.id]);
      expect('numErrors' in res ? res.numErrors : 0).toBe(1);
      expect(fake.getContact(a.id)?.properties).toMatchObject({ jobtitle: 'CTO', numemployees: '1000+' });
      expect(fake.getContact(a.id)?.properties.lastmodifieddate).not.toBe(before);

      const dupIds = await sdkError(
        client.crm.contacts.batchApi.update({ inputs: [{ id: a.id, properties: {} }, { id: a.id, properties: {} }] }),
      );
      expect(dupIds.code).toBe(400);
    });
  });

  describe('search', () => {
    it('filters createdate with GT on epoch ms, sorts, pages, and reports total', async () => {
      const { client } = await connect(fake);
      const cutoff = Date.parse('2024-06-01T00:00:00Z');
      for (let i = 0; i < 5; i++) fake.addContact({ email: `old${i}@x.com` }, { createdAt: new Date(cutoff - (i + 1) * 86_400_000) });
      for (let i = 0; i < 7; i++) fake.addContact({ email: `new${i}@x.com`, jobtitle: i % 2 ? 'VP Sales' : 'Engineer' }, { createdAt: new Date(cutoff + (i + 1) * 3_600_000) });
      const first = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'createdate', operator: FilterOperatorEnum.Gt, value: String(cutoff) }] }],
        // The raw API takes {propertyName, direction}; the SDK types sorts as string[] and passes items through.
        sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' } as unknown as string],
        properties: ['email', 'jobtitle'],
        limit: 5,
        after: '0',
      });
      expect(first.total).toBe(7);
      expect(first.results).toHaveLength(5);
      expect(first.results[0]?.properties.email).toBe('new6@x.com');
      expect(first.paging?.next?.after).toBe('5');
      const second = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'createdate', operator: FilterOperatorEnum.Gt, value: String(cutoff) }] }],
        sorts: ['-createdate'],
        limit: 5,
        after: first.paging?.next?.after ?? '',
      });
      expect(second.results.map((r) => r.properties.email)).toEqual(['new1@x.com', 'new0@x.com']);
      expect(second.paging).toBeUndefined();

      const vps = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'jobtitle', operator: FilterOperatorEnum.ContainsToken, value: 'vp' }] }],
      });
      expect(vps.total).toBe(3);
    });

    it('when search indexing is delayed, then a new contact is found by id at once and by search only once indexed', async () => {
      const { client } = await connect(fake);
      fake.addContact({ email: 'indexed@x.com' });
      fake.setSearchIndexDelay(3_600_000);
      const late = fake.addContact({ email: 'late@x.com' });
      const emails = async () => (await client.crm.contacts.searchApi.doSearch({ properties: ['email'] })).results.map((r) => r.properties.email);
      expect(await emails()).toEqual(['indexed@x.com']);
      expect((await client.crm.contacts.basicApi.getById(late.id, ['email'])).properties.email).toBe('late@x.com');
      fake.indexSearch();
      expect(await emails()).toEqual(['indexed@x.com', 'late@x.com']);
    });

    it('enforces the documented search limits', async () => {
      await fake.close();
      fake = await startHubSpotFake({ searchPerSecond: 100 });
      const { client } = await connect(fake);
      const f = { propertyName: 'email', operator: FilterOperatorEnum.HasProperty };
      const search = client.crm.contacts.searchApi;
      expect((await sdkError(search.doSearch({ filterGroups: Array.from({ length: 6 }, () => ({ filters: [f] })) }))).code).toBe(400);
      expect((await sdkError(search.doSearch({ filterGroups: [{ filters: Array.from({ length: 7 }, () => f) }] }))).code).toBe(400);
      expect((await sdkError(search.doSearch({ filterGroups: Array.from({ length: 4 }, () => ({ filters: Array.from({ length: 5 }, () => f) })) }))).code).toBe(400);
      expect((await sdkError(search.doSearch({ limit: 201 }))).code).toBe(400);
      expect((await sdkError(search.doSearch({ after: '9990', limit: 20 }))).code).toBe(400);
      expect((await sdkError(search.doSearch({ sorts: ['email', 'firstname'] }))).code).toBe(400);
      const long = await sdkError(search.doSearch({ query: 'x'.repeat(3000) }));
      expect(long.code).toBe(400);
      expect(long.body.category).toBe('VALIDATION_ERROR');
    });
  });

  describe('tasks and owners', () => {
    it('creates a task associated to a contact (204) and validates it', async () => {
      const { client } = await connect(fake);
      const [contact] = fake.addContacts(1);
      if (!contact) throw new Error('seed failed');
      const owner = (await client.crm.owners.ownersApi.getPage()).results[0];
      expect(owner?.email).toBe(fake.owners[0]?.email);
      const assoc = (id: string, typeId = 204) => [
        { to: { id }, types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: typeId }] },
      ];
      const task = await client.crm.objects.tasks.basicApi.create({
        properties: {
          hs_timestamp: '2030-01-01T09:00:00.000Z',
          hs_task_subject: 'Job change: Jane moved to Acme',
          hs_task_body: 'Previously at Globex',
          hs_task_status: 'NOT_STARTED',
          hs_task_priority: 'HIGH',
          hs_task_type: 'TODO',
          hubspot_owner_id: owner?.id ?? '',
        },
        associations: assoc(contact.id),
      });
      expect(task.id).toMatch(/^\d+$/);
      const stored = fake.tasks()[0];
      expect(stored?.properties.hs_task_subject).toBe('Job change: Jane moved to Acme');
      expect(stored?.associations).toEqual([
        { toObjectType: 'contacts', toObjectId: contact.id, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 },
      ]);
      const read = await client.crm.objects.tasks.basicApi.getById(task.id, ['hs_task_subject'], undefined, ['contacts']);
      expect(read.properties.hs_task_subject).toBe('Job change: Jane moved to Acme');
      expect(read.associations?.contacts?.results[0]?.id).toBe(contact.id);

      const create = (properties: Record<string, string>, associations = assoc(contact.id)) =>
        client.crm.objects.tasks.basicApi.create({ properties, associations });
      expect((await sdkError(create({ hs_task_subject: 'no due date' }))).code).toBe(400);
      expect((await sdkError(create({ hs_timestamp: '1893456000000', hubspot_owner_id: '1' }))).code).toBe(400);
      expect((await sdkError(create({ hs_timestamp: '1893456000000', hs_task_priority: 'URGENT' }))).code).toBe(400);
      expect((await sdkError(create({ hs_timestamp: '1893456000000' }, assoc('999999')))).code).toBe(400);
      expect((await sdkError(create({ hs_timestamp: '1893456000000' }, assoc(contact.id, 202)))).code).toBe(400);
      expect(fake.tasks()).toHaveLength(1);
      expect((await client.crm.objects.tasks.basicApi.getPage()).results).toHaveLength(1);
    });
  });

  describe('rate limits and faults', () => {
    it('answers TEN_SECONDLY_ROLLING 429s with the real body and X-HubSpot-RateLimit-* headers', async () => {
      await fake.close();
      fake = await startHubSpotFake({ rateLimit: { max: 5, windowMs: 2000 } });
      const { client } = await connect(fake);
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const info = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
        expect(info.headers['x-hubspot-ratelimit-max']).toBe('5');
        expect(info.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('2000');
        remaining.push(info.headers['x-hubspot-ratelimit-remaining'] ?? '');
      }
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);
      const limited = await sdkError(client.crm.contacts.basicApi.getPage(1));
      expect(limited.code).toBe(429);
      expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      const raw = await rawJson(client, 'GET', '/crm/v3/objects/contacts');
      expect(raw.status).toBe(429);
      expect(raw.json).toMatchObject({
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
      expect(typeof raw.json.correlationId).toBe('string');
      expect(typeof raw.json.groupName).toBe('string');
      // OAuth calls are not API calls and never limited
      expect((await new Client({ basePath: fake.url }).oauth.accessTokensApi.get((await connect(fake)).accessToken)).hubId).toBe(4242);

      await new Promise((r) => setTimeout(r, 2050));
      expect((await client.crm.contacts.basicApi.getPage(1)).results).toEqual([]);
      // 7 API calls were received in one window: 5 accepted + 2 rejected
      expect(fake.maxRequestsInWindow()).toBe(7);
      expect(fake.maxRequestsInWindow(1)).toBe(1);
      expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(2);
      expect(fake.requests.every((r) => r.kind !== 'api' || r.portalId === 4242)).toBe(true);
    });

    it('limits search per second (SECONDLY) and sends no rate-limit headers on search', async () => {
      await fake.close();
      fake = await startHubSpotFake({ searchPerSecond: 2 });
      const { client } = await connect(fake);
      const ok = await client.crm.contacts.searchApi.doSearchWithHttpInfo({ limit: 1 });
      expect(ok.headers['x-hubspot-ratelimit-max']).toBeUndefined();
      await client.crm.contacts.searchApi.doSearch({ limit: 1 });
      const raw = await rawJson(client, 'POST', '/crm/v3/objects/contacts/search', { limit: 1 });
      expect(raw.status).toBe(429);
      expect(raw.json).toMatchObject({ message: 'You have reached your secondly limit.', policyName: 'SECONDLY', errorType: 'RATE_LIMIT' });
      expect(raw.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
      // search does not spend the ten-secondly budget
      expect(fake.maxRequestsInWindow()).toBe(0);
      expect(fake.requests.filter((r) => r.kind === 'search')).toHaveLength(3);
    });

    it('inject() serves faults a given number of times, then the real answer; hang never answers', async () => {
      const { client } = await connect(fake);
      fake.inject({ method: 'GET', path: /^\/crm\/v3\/objects\/contacts$/, status: 500, times: 1 });
      const boom = await sdkError(client.crm.contacts.basicApi.getPage(1));
      expect(boom.code).toBe(500);
      expect((await client.crm.contacts.basicApi.getPage(1)).results).toEqual([]);

      fake.inject({ path: /\/batch\/read$/, status: 429, body: { status: 'error', message: 'custom' }, headers: { 'Retry-After': '1' }, times: 1 });
      const raw = await rawJson(client, 'POST', '/crm/v3/objects/contacts/batch/read', { inputs: [], properties: [], propertiesWithHistory: [] });
      expect(raw.status).toBe(429);
      expect(raw.json.message).toBe('custom');
      expect(raw.headers.get('retry-after')).toBe('1');

      fake.inject({ path: /^\/crm\/v3\/owners/, status: 200, hang: true, times: 1 });
      const hung = fetch(`${fake.url}/crm/v3/owners`, { signal: AbortSignal.timeout(200) });
      await expect(hung).rejects.toThrow();
      const statuses = fake.requests.filter((r) => r.path === '/crm/v3/owners').map((r) => r.status);
      expect(statuses).toEqual([0]);
    });

    it('records every request and resets', async () => {
      const { client } = await connect(fake);
      await client.crm.contacts.basicApi.getPage(1);
      expect(fake.requests.map((r) => [r.kind, r.method, r.path, r.status])).toEqual([
        ['oauth', 'POST', '/oauth/v1/token', 200],
        ['api', 'GET', '/crm/v3/objects/contacts', 200],
      ]);
      expect(fake.requests[1]?.query.limit).toBe('1');
      fake.resetRequests();
      expect(fake.requests).toHaveLength(0);
      expect((await fetch(`${fake.url}/crm/v3/nothing`, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
    });
  });
});
