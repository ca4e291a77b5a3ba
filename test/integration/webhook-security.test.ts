// The doors of the running server over real HTTP: a Salesforce endpoint that refuses unknown secrets before
// reading the body and oversized bodies before reading them, a HubSpot batch that survives odd events, slow
// clients cut off by the request timeouts, and /metrics behind METRICS_TOKEN.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, contactPropertyChangeEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { buildOutboundMessage, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, installCrm, outboundUrl, salesforceEnv } from '../helpers/crm.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const run = promisify(execFile);

const TRICKLE = fileURLToPath(new URL('../helpers/trickle.mjs', import.meta.url));

/**
 * Sends the head of a request and then the body (`unit` repeated) slowly, `chunk` bytes every `everyMs`, until the server answers or
 * closes (from a child process). Returns the status line (if any) and how many body bytes had been sent by then.
 */
async function trickle(port: number, head: string, body: { unit: string; repeat: number }, o: { chunk: number; everyMs: number }): Promise<{ statusLine: string | null; sent: number }> {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  const args = [TRICKLE, String(port), b64(head), b64(body.unit), String(body.repeat), String(o.chunk), String(o.everyMs)];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { statusLine: string | null; sent: number };
}

describe('webhook endpoints and server limits', () => {
  let hs: HubSpotFake;
  let sf: SalesforceFake;
  let t: TestService;
  let port: number;
  let sfConnection: string;
  const jobs = () => t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE name = 'contact.enrich'`).pluck().get() as number;

  beforeAll(async () => {
    hs = await startHubSpotFake();
    sf = await startSalesforceFake();
    t = await startService({
      env: {
        ...hubspotEnv(hs),
        ...salesforceEnv(sf),
        ENRICH_PROVIDERS: 'dataset',
        METRICS_TOKEN,
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '1500',
      },
    });
    port = Number(new URL(t.url).port);
    await installCrm(t, 'hubspot');
    ({ connectionId: sfConnection } = await installCrm(t, 'salesforce'));
  });
  afterAll(async () => {
    await t.close();
    await hs.close();
    await sf.close();
  });

  it('when a HubSpot batch mixes creations with odd events, then 200, the valid ones are queued and the rest counted as skipped', async () => {
    const before = jobs();
    const events: unknown[] = [
      contactCreationEvent(hs.portalId, 7001),
      // An association change has no objectId: once a reason to refuse the whole batch.
      { eventId: 2, subscriptionType: 'contact.associationChange', portalId: hs.portalId, occurredAt: Date.now(), fromObjectId: 1, toObjectId: 2, associationType: 'CONTACT_TO_COMPANY' },
      { ...contactCreationEvent(hs.portalId, 7002), subscriptionType: 'object.creation', objectTypeId: '0-1' },
      { ...contactCreationEvent(hs.portalId, 7003), subscriptionType: 'object.creation', objectTypeId: '0-2' },
      contactPropertyChangeEvent(hs.portalId, 7001, 'jobtitle', 'CTO'),
      'not an event',
    ];
    const res = await sendWebhook(`${t.url}/webhooks/hubspot`, events as object[], { clientSecret: hs.clientSecret, signedUrl: `${t.services.config.PUBLIC_URL}/webhooks/hubspot` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 6, queued: 2, duplicates: 0, skipped: 4 });
    expect(jobs()).toBe(before + 2);
    const queued = (t.services.db.prepare(`SELECT payload_json FROM jobs ORDER BY id DESC LIMIT 2`).pluck().all() as string[]).map((p) => (JSON.parse(p) as { contactId: string }).contactId);
    expect(queued.sort()).toEqual(['7001', '7002']);
  });

  it('when hostile XML is posted to an unknown secret, then 404 comes back before the body is sent, and nothing is queued', async () => {
    const before = jobs();
    const body = { unit: '<b/>', repeat: 250_000, length: 1_000_000 };
    for (const path of [`/webhooks/salesforce/${'A'.repeat(43)}`, '/webhooks/salesforce', '/webhooks/salesforce/']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
      const r = await trickle(port, head, body, { chunk: 1024, everyMs: 20 });
      expect(r.statusLine, path).toMatch(/^HTTP\/1\.1 404/);
      // The answer came while most of the body was still unsent: it was neither awaited nor parsed.
      expect(r.sent, path).toBeLessThan(body.length / 2);
    }
    expect(jobs()).toBe(before);
  });

  it('when the real endpoint announces a body over the cap, then 413 before the body is read', async () => {
    const path = new URL(outboundUrl(t, sfConnection)).pathname;
    const body = { unit: 'x', repeat: 1_000_000, length: 1_000_000 };
    const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await trickle(port, head, body, { chunk: 1024, everyMs: 20 });
    expect(r.statusLine).toMatch(/^HTTP\/1\.1 413/);
    expect(r.sent).toBeLessThan(body.length / 2);
  });

  it('when the real endpoint gets a message, then it is queued and acknowledged', async () => {
    const before = jobs();
    const xml = buildOutboundMessage({ orgId: sf.orgId, notifications: [{ id: '04l000000000077AAA', sObject: { type: 'Lead', Id: '00Q000000000077AAA' } }] });
    const res = await fetch(outboundUrl(t, sfConnection), { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Ack>true</Ack>');
    expect(jobs()).toBe(before + 1);
  });

  it('when a client sends its body one byte at a time, then the request timeout cuts it off', async () => {
    const text = JSON.stringify({ email: `${'a'.repeat(200)}@example.com` });
    const body = { unit: text, repeat: 1, length: text.length };
    // A valid key: the handler waits for the body (an unknown key is refused before it).
    const head = `POST /v1/profile/enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: ${t.apiKey()}\r\nContent-Length: ${body.length}\r\n\r\n`;
    // At 1 byte per 100 ms the body would take over 20 s; the server gives up after HTTP_REQUEST_TIMEOUT_MS.
    const r = await trickle(port, head, body, { chunk: 1, everyMs: 100 });
    expect(r.sent).toBeLessThan(body.length);
    if (r.statusLine !== null) expect(r.statusLine).toMatch(/^HTTP\/1\.1 408/);
  });

  it('when a client sends its headers one byte at a time, then the headers timeout cuts it off', async () => {
    const text = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: y\r\n'.repeat(30)}\r\n`;
    const head = { unit: text, repeat: 1, length: text.length };
    const r = await trickle(port, '', head, { chunk: 1, everyMs: 50 });
    expect(r.sent).toBeLessThan(head.length);
    if (r.statusLine !== null) expect(r.statusLine).toMatch(/^HTTP\/1\.1 408/);
  });

  it('when METRICS_TOKEN is set, then /metrics needs it as a bearer token and /healthz stays open', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: METRICS_TOKEN } })).status).toBe(401);
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# HELP');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('when an email carries control or bidi-override characters, then the enrichment API refuses it', async () => {
    const key = t.apiKey();
    for (const email of ['john\u0000.doe@acme.com', 'john\u202e.doe@acme.com', 'jo\u200bhn@acme.com']) {
      const res = await fetch(`${t.url}/v1/profile/enrich`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ email }) });
      expect(res.status, JSON.stringify(email)).toBe(400);
    }
  });
});
