// Salesforce end to end against the stateful Salesforce fake: install (PKCE), the new-records poll, Outbound Message
// intake, the queue, the pipeline and collection write-back, through the real routes and the real worker.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildOutboundMessage, isAck, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { connectionLedger, installCrm, outboundUrl, runSync, salesforceEnv } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';
import type { SyncMode } from '../../src/db/sync-runs.repo.js';
import { importDataset } from '../../src/enrichment/dataset-import.js';
import { ENRICHMENT_FIELDS } from '../../connectors/salesforce/provision.js';
import type { ProvisionReport } from '../../connectors/types.js';

const CALLBACK = 'https://crm-enrich.test/oauth/salesforce/callback';

describeEachBackend('Salesforce connector, end to end', (backend) => {
  let fake: SalesforceFake;
  let t: TestService;
  let connectionId: string;
  const drain = () => t.services.createWorker({ concurrency: 1 }).drain();
  const jobs = () => t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE name = 'contact.enrich'`).pluck().get() as number;
  const webhook = () => outboundUrl(t, connectionId);
  const run = (mode: SyncMode) => runSync(t, connectionId, mode);
  const postXml = async (xml: string, url = webhook()) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body: xml });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };

  beforeAll(async () => {
    fake = await startSalesforceFake();
    t = await startService({ backend, env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    t.importSample();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when an admin connects an org, then PKCE, token exchange, identity, instance_url, provisioning and the admin redirect all happen', async () => {
    fake.resetRequests();
    const { connectionId: id, authorize } = await installCrm(t, 'salesforce');
    connectionId = id;
    expect(authorize.origin + authorize.pathname).toBe(`${fake.url}/services/oauth2/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(fake.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    // S256 of a verifier the server keeps: 32 bytes, base64url.
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The fake refuses a code bound to a challenge unless the matching code_verifier comes with it.
    const token = fake.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(token.map((r) => r.status)).toEqual([200]);
    const identity = fake.requests.filter((r) => r.kind === 'identity');
    expect(identity.map((r) => [r.path, r.status])).toEqual([[`/id/${fake.orgId}/${fake.userId}`, 200]]);

    const conn = t.services.repos.connections.get(id)!;
    expect(conn).toMatchObject({ crm: 'salesforce', external_id: fake.orgId, user_id: fake.userId, status: 'connected', label: 'integration@crm-enrich.fake' });
    expect(t.services.repos.accounts.byId(conn.account_id)!.name).toBe(`salesforce-${fake.orgId}`);
    expect(conn.tokens_enc).toMatch(/^v1\./);
    expect(conn.tokens_enc).not.toContain(fake.orgId.slice(0, 15));
    expect(t.services.repos.connections.tokens(id)).toMatchObject({ instanceUrl: fake.url, expiresAt: null });

    const report = JSON.parse(conn.provision_json!) as ProvisionReport;
    expect(report.missing).toEqual([]);
    expect(report.created).toHaveLength(24);
    for (const type of ['Contact', 'Lead']) {
      expect(fake.visibleFields(type)).toEqual(expect.arrayContaining(ENRICHMENT_FIELDS.map((f) => f.name)));
    }
    // Both object types start polling for new records from the install.
    for (const ot of ['contact', 'lead']) expect(t.services.repos.runs.getState(id, `new:${ot}:high_water`)).toMatch(/^\d{4}-/);
  });

  it('when the install is repeated, then the same connection is updated, not duplicated', async () => {
    const again = await installCrm(t, 'salesforce');
    expect(again.connectionId).toBe(connectionId);
    expect(t.services.repos.connections.list()).toHaveLength(1);
  });

  it('when the code was bound to another challenge than ours, then the exchange fails and nothing is stored', async () => {
    const before = t.services.repos.connections.get(connectionId)!.tokens_enc;
    const headers = { cookie: await adminCookie(t) };
    const install = await fetch(`${t.url}/oauth/salesforce/install?account=pkce-probe`, { redirect: 'manual', headers });
    const state = new URL(install.headers.get('location')!).searchParams.get('state')!;
    const foreign = createHash('sha256').update('a-verifier-this-server-never-saw-0123456789abcdef').digest('base64url');
    const code = fake.issueAuthCode(CALLBACK, foreign);
    const res = await fetch(`${t.url}/oauth/salesforce/callback?code=${code}&state=${state}`, { redirect: 'manual', headers });
    expect(res.status).toBe(502);
    expect(t.services.repos.accounts.byName('pkce-probe')).toBeUndefined();
    expect(t.services.repos.connections.get(connectionId)!.tokens_enc).toBe(before);
    const unknown = await fetch(`${t.url}/oauth/salesforce/callback?code=${fake.issueAuthCode(CALLBACK)}&state=forged`, { redirect: 'manual', headers });
    expect(unknown.status).toBe(400);
  });

  it('when a Contact and a Lead are created, then the new-records poll enriches both and skips a converted Lead', async () => {
    const [owner] = fake.ownerIds;
    const contact = fake.addRecord('Contact', { FirstName: 'John', LastName: 'Doe', Email: 'john.doe@acme.com', OwnerId: owner });
    // Leads are created with Company required; a lead captured without it (web-to-lead, import) gets it filled.
    const lead = fake.addRecord('Lead', { FirstName: 'Maria', LastName: 'Gonzalez', Email: 'maria.gonzalez@brightpath-logistics.example' });
    const converted = fake.addRecord('Lead', { LastName: 'Brooks', Email: 'tyler.brooks@cobaltwave.example', Company: 'Cobaltwave', IsConverted: true });
    const ledgerBefore = connectionLedger(t, connectionId).length;
    const counts = await run('new');
    expect(counts).toMatchObject({ enriched: 2, written: 2, errors: 0 });

    const c = fake.getRecord(contact.Id)!;
    expect(c).toMatchObject({
      Title: 'VP of Sales',
      Department: 'Sales',
      MobilePhone: '+14155551234',
      MailingCity: 'San Francisco',
      MailingState: 'California',
      MailingCountry: 'United States',
      Enrichment_Seniority__c: 'VP',
      Enrichment_Source__c: 'dataset',
      Enrichment_Confidence__c: 100,
      Enrichment_LinkedIn_URL__c: 'https://www.linkedin.com/in/johndoe',
      Enrichment_Department__c: 'Sales',
      Enrichment_Company_Size__c: '51-200',
      Enrichment_Recent_Job_Change__c: false,
    });
    expect(String(c['Enrichment_Enriched_At__c'])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(c['LastModifiedById']).toBe(fake.userId);

    expect(fake.getRecord(lead.Id)).toMatchObject({
      Title: 'Chief Financial Officer',
      Company: 'Brightpath Logistics',
      MobilePhone: '+13125550101',
      City: 'Chicago',
      State: 'Illinois',
      Country: 'United States',
      Enrichment_Seniority__c: 'C-Level',
      Enrichment_Source__c: 'dataset',
    });
    const conv = fake.getRecord(converted.Id)!;
    expect(conv['Enrichment_Source__c'] ?? null).toBeNull();
    expect(conv['Title'] ?? null).toBeNull();
    expect(connectionLedger(t, connectionId).length - ledgerBefore).toBe(2);

    // The polls were SOQL sweeps by CreatedDate; converted leads are filtered out in the query itself.
    const leadPoll = fake.requests.filter((r) => r.soql?.includes('FROM Lead WHERE IsConverted = false AND CreatedDate >= '));
    expect(leadPoll.length).toBeGreaterThan(0);
    // A second poll finds nothing new to write.
    const again = await run('new');
    expect(again).toMatchObject({ enriched: 0, written: 0 });
  });

  it('when an Outbound Message comes from a connected org, then it is acknowledged at once and enriched by the worker', async () => {
    const c = fake.addRecord('Contact', { LastName: 'Raman', Email: 'priya.raman@quillstack.example' });
    const before = jobs();
    const res = await fake.sendOutboundMessage(webhook(), 'Contact', [c.Id], ['Email', 'LastName']);
    expect(res.status).toBe(200);
    expect(isAck(res.status, res.body)).toBe(true);
    expect(res.body).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>');
    expect(jobs()).toBe(before + 1);
    expect(fake.getRecord(c.Id)!['Title'] ?? null).toBeNull(); // nothing inline
    await drain();
    expect(fake.getRecord(c.Id)).toMatchObject({ Title: 'VP of Engineering', MailingCity: 'Seattle', Enrichment_Seniority__c: 'VP', Enrichment_Source__c: 'dataset' });
    const audit = t.services.db.prepare(`SELECT field, old_value, new_value FROM audit_log WHERE contact_id = ? AND field = 'Title'`).all(c.Id);
    expect(audit).toEqual([{ field: 'Title', old_value: null, new_value: 'VP of Engineering' }]);
  });

  it('when an Outbound Message names a converted Lead, then it is acknowledged and the lead is left alone', async () => {
    const l = fake.addRecord('Lead', { LastName: 'Lee', Email: 'hannah.lee@cobaltwave.example', Company: 'Cobaltwave', IsConverted: true });
    const ledgerBefore = connectionLedger(t, connectionId).length;
    const res = await fake.sendOutboundMessage(webhook(), 'Lead', [l.Id]);
    expect(isAck(res.status, res.body)).toBe(true);
    await drain();
    expect(fake.getRecord(l.Id)!['Enrichment_Source__c'] ?? null).toBeNull();
    expect(connectionLedger(t, connectionId).length).toBe(ledgerBefore);
  });

  it("when an Outbound Message on the connection's endpoint names another org, then 403 and nothing is queued", async () => {
    const before = jobs();
    const xml = buildOutboundMessage({
      orgId: '00D0000000000ZZAAA',
      notifications: [{ id: '04l000000000009AAA', sObject: { type: 'Contact', Id: '003000000000009AAA', Email: 'john.doe@acme.com' } }],
    });
    const res = await postXml(xml);
    expect(res.status).toBe(403);
    expect(res.type).toMatch(/xml/);
    expect(res.body).toContain('<soapenv:Fault>');
    expect(isAck(res.status, res.body)).toBe(false);
    expect(jobs()).toBe(before);
    expect((await postXml('<not-soap/>')).status).toBe(400);
  });

  it("when a genuine-looking message (the connected org's id) goes to the bare path or a wrong secret, then 404 and nothing is queued", async () => {
    // An id that is in no record: a forged message that got through would still queue a job.
    const forged = buildOutboundMessage({ orgId: fake.orgId, notifications: [{ id: '04l00000000000FAAA', sObject: { type: 'Contact', Id: '003000000000F00AAA' } }] });
    const before = jobs();
    const bare = await postXml(forged, `${t.url}/webhooks/salesforce`);
    expect(bare.status).toBe(404);
    const token = new URL(webhook()).pathname.split('/').pop()!;
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const path of [wrong, 'x'.repeat(43), token.slice(1), `${token}x`, '']) {
      const res = await postXml(forged, `${t.url}/webhooks/salesforce/${path}`);
      expect(res.status, path).toBe(404);
      expect(isAck(res.status, res.body)).toBe(false);
    }
    expect(jobs()).toBe(before);
  });

  it('when the admin rotates the endpoint, then the old URL answers 404 and the new one is listed and works', async () => {
    const old = webhook();
    const conn = t.services.repos.connections.get(connectionId)!;
    const rotated = t.services.outboundEndpoints.rotate(conn);
    expect(rotated).not.toBe(t.services.config.PUBLIC_URL + new URL(old).pathname);
    expect(rotated).toMatch(/^https:\/\/crm-enrich\.test\/webhooks\/salesforce\/[A-Za-z0-9_-]{43}$/);
    const xml = buildOutboundMessage({ orgId: fake.orgId, notifications: [{ id: '04l00000000000RAAA', sObject: { type: 'Contact', Id: '003000000000R00AAA' } }] });
    expect((await postXml(xml, old)).status).toBe(404);
    const before = jobs();
    expect(isAck(200, (await postXml(xml)).body)).toBe(true);
    expect(jobs()).toBe(before + 1);
    // Stored as a hash for the lookup and encrypted for display, never in the clear.
    const row = t.services.repos.connections.get(connectionId)!;
    const secret = webhook().split('/').pop()!;
    expect(row.inbound_token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.inbound_token_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('when the same Outbound Message is delivered twice (and again later), then the record is enriched and charged once', async () => {
    const c = fake.addRecord('Contact', { LastName: 'Olsen', Email: 'derek.olsen@meridian-health.example' });
    const xml = fake.outboundMessage('Contact', [c.Id]);
    const ledgerBefore = connectionLedger(t, connectionId).length;
    for (let i = 0; i < 2; i++) {
      const res = await postXml(xml);
      expect(isAck(res.status, res.body), res.body).toBe(true);
    }
    await drain();
    expect(isAck(200, (await postXml(xml)).body)).toBe(true);
    await drain();
    expect(fake.getRecord(c.Id)!['Title']).toBe('Product Owner');
    expect(connectionLedger(t, connectionId).slice(ledgerBefore)).toHaveLength(1);
  });

  it("when a contact's email holds a quote, then the poll's SOQL stays valid and the contact is enriched", async () => {
    const email = "o'brien@quote.example";
    const r = importDataset(
      JSON.stringify({ email, first_name: 'Siobhan', last_name: "O'Brien", title: 'Head of Partnerships', company: "O'Brien & Daughters", city: 'Cork', country: 'Ireland' }),
      t.services.repos.dataset,
      { format: 'jsonl', now: new Date(), jobChangeWindowDays: 90 },
    );
    expect(r.errors).toEqual([]);
    t.services.repos.cache.clear();
    const c = fake.addRecord('Contact', { FirstName: 'Siobhan', LastName: "O'Brien", Email: email });
    fake.resetRequests();
    const counts = await run('new');
    expect(counts).toMatchObject({ enriched: 1, written: 1, errors: 0 });
    expect(fake.getRecord(c.Id)).toMatchObject({ Title: 'Head of Partnerships', MailingCity: 'Cork', Enrichment_Source__c: 'dataset' });
    const queries = fake.requests.filter((q) => q.soql !== undefined);
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.status, q.soql).toBe(200);
    // Wherever the email appears in SOQL, its quote is escaped (the service looks records up by Id, not by email).
    for (const q of queries.filter((x) => x.soql!.includes('brien'))) expect(q.soql).toContain("o\\'brien");
    // The same record through an Outbound Message: XML-escaped apostrophe, decoded and queued by Id.
    const res = await fake.sendOutboundMessage(webhook(), 'Contact', [c.Id], ['Email', 'LastName']);
    expect(isAck(res.status, res.body)).toBe(true);
  });

  it('when a new contact recently changed jobs per the profile, then the first enrichment mirrors the flag and creates no Task', async () => {
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const email = 'nina.mover@lumen-labs.example';
    const imported = importDataset(
      JSON.stringify({
        email,
        first_name: 'Nina',
        last_name: 'Mover',
        title: 'Head of Growth',
        company: 'Lumen Labs',
        experience: [
          { company: 'Lumen Labs', title: 'Head of Growth', start_date: day(30), end_date: '', is_current: true },
          { company: 'Old Corp', title: 'Growth Analyst', start_date: day(900), end_date: day(40), is_current: false },
        ],
      }),
      t.services.repos.dataset,
      { format: 'jsonl', now: new Date(), jobChangeWindowDays: 90 },
    );
    expect(imported.errors).toEqual([]);
    t.services.repos.cache.clear();
    const c = fake.addRecord('Contact', { LastName: 'Mover', Email: email, OwnerId: fake.ownerIds[1] });
    await fake.sendOutboundMessage(webhook(), 'Contact', [c.Id]);
    await drain();
    expect(fake.getRecord(c.Id)).toMatchObject({
      Title: 'Head of Growth',
      Enrichment_Recent_Job_Change__c: true,
      Enrichment_Job_Change_Date__c: day(30),
      Enrichment_Previous_Company__c: 'Old Corp',
      Enrichment_Previous_Title__c: 'Growth Analyst',
    });
    expect(fake.records('Task').filter((x) => x['WhoId'] === c.Id)).toHaveLength(0);
  });

  it('when a person edited an if_ours field, then re-enrichment keeps it and still fills fields we own or that are empty', async () => {
    const c = fake.addRecord('Contact', { LastName: 'Kim', Email: 'rachel.kim@tinsel-analytics.example' });
    await fake.sendOutboundMessage(webhook(), 'Contact', [c.Id]);
    await drain();
    expect(fake.getRecord(c.Id)).toMatchObject({ Title: 'Co-Founder & CEO', MailingCity: 'New York', Department: 'Executive' });
    fake.updateRecord(c.Id, { Title: 'Chief Executive (typed by a rep)', MailingCity: null });
    const counts = await run('job-changes');
    expect(counts.errors).toBe(0);
    const after = fake.getRecord(c.Id)!;
    expect(after['Title']).toBe('Chief Executive (typed by a rep)');
    expect(after['MailingCity']).toBe('New York');
    expect(after['Department']).toBe('Executive');
    const audit = t.services.db.prepare(`SELECT COUNT(*) FROM audit_log WHERE contact_id = ? AND field = 'Title'`).pluck().get(c.Id);
    expect(audit).toBe(1);
  });
});

describeEachBackend('Salesforce install without Modify Metadata', (backend) => {
  let fake: SalesforceFake;
  let t: TestService;

  beforeAll(async () => {
    fake = await startSalesforceFake({ metadataAllowed: false, orgId: '00D000000000002AAA' });
    t = await startService({ backend, env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset' } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when provisioning is refused, then the connection is kept and its report names every missing field', async () => {
    const { connectionId } = await installCrm(t, 'salesforce');
    const conn = t.services.repos.connections.get(connectionId)!;
    expect(conn).toMatchObject({ status: 'connected', external_id: fake.orgId });
    const report = JSON.parse(conn.provision_json!) as ProvisionReport;
    expect(report.created).toEqual([]);
    expect(report.missing).toHaveLength(24);
    const names = report.missing.map((m) => `${m.objectType}.${m.name}`);
    for (const f of ENRICHMENT_FIELDS) expect(names).toEqual(expect.arrayContaining([`contact.${f.name}`, `lead.${f.name}`]));
    for (const m of report.missing) expect(m.reason).toMatch(/INSUFFICIENT_ACCESS/);
    // Standard fields are still mapped; only our own custom fields are missing.
    const settings = JSON.parse(conn.settings_json) as { mappings: { target: string }[] };
    expect(settings.mappings.map((m) => m.target)).toEqual(expect.arrayContaining(['Title', 'MailingCity', 'Company', 'City']));
  });
});
