// The webhook route checks HubSpot's v3 signature over the URL HubSpot called: our public URL with the path and
// the query string exactly as received, after decoding only the escapes HubSpot decodes (%3A %2F %3F ...; %20,
// %26 and %3D stay as sent). The signer is the fake's own implementation of HubSpot's rules, not our code.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';

// Decoded by HubSpot before hashing: %3A %2F %3F. Kept encoded: %20 %26 %3D.
const QUERY = '?src=hs&note=a%20b%26c%3Dd&next=https%3A%2F%2Fcrm.example%2Fcb%3Fx%3D1';
const PATH = `/webhooks/hubspot${QUERY}`;

describe('HubSpot webhook route and its signature', () => {
  let fake: HubSpotFake;
  let t: TestService;
  const publicUrl = (pathAndQuery: string) => `${t.services.config.PUBLIC_URL}${pathAndQuery}`;
  const queued = (contactId: string) =>
    t.services.db.prepare(`SELECT COUNT(*) FROM jobs WHERE name = 'contact.enrich' AND payload_json LIKE ?`).pluck().get(`%"${contactId}"%`) as number;

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset' } });
    await installCrm(t, 'hubspot');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when HubSpot calls a URL with a query string and percent-escapes, then its signature is accepted and the contact queued', async () => {
    const c = fake.addContact({ email: 'signed@example.com' });
    const res = await sendWebhook(`${t.url}${PATH}`, [contactCreationEvent(fake.portalId, c.id)], { clientSecret: fake.clientSecret, signedUrl: publicUrl(PATH) });
    expect(res.status, await res.text()).toBe(200);
    expect(queued(c.id)).toBe(1);
  });

  it('when the query string differs from the one signed, then 401 and nothing is queued', async () => {
    for (const sentQuery of ['', '?src=hs', QUERY.replace('src=hs', 'src=evil'), `${QUERY}&admin=1`]) {
      const c = fake.addContact({ email: `query${sentQuery.length}@example.com` });
      const res = await sendWebhook(`${t.url}/webhooks/hubspot${sentQuery}`, [contactCreationEvent(fake.portalId, c.id)], {
        clientSecret: fake.clientSecret,
        signedUrl: publicUrl(PATH),
      });
      expect(res.status, `sent ${sentQuery || '(no query)'}`).toBe(401);
      expect(queued(c.id)).toBe(0);
    }
  });

  it('when a signature was made over a differently decoded URL, then 401', async () => {
    const c = fake.addContact({ email: 'decoded@example.com' });
    const body = JSON.stringify([contactCreationEvent(fake.portalId, c.id)]);
    const timestamp = Date.now();
    // Every escape decoded (decodeURIComponent), or none decoded: neither is what HubSpot signs.
    for (const uri of [decodeURIComponent(publicUrl(PATH)), publicUrl(PATH)]) {
      const signature = createHmac('sha256', fake.clientSecret).update(`POST${uri}${body}${timestamp}`, 'utf8').digest('base64');
      const res = await fetch(`${t.url}${PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) },
        body,
      });
      expect(res.status, uri).toBe(401);
    }
    expect(queued(c.id)).toBe(0);
  });
});
