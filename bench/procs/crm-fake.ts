// Child: the HubSpot or Salesforce fake on its own CPU, holding n contacts whose emails match the dataset
// people of the backfill (person<i>@bulk.example). Answers request counts by kind and checks the writes.
import { startHubSpotFake, type HubSpotFake } from '../../test/fakes/hubspot/index.js';
import { startSalesforceFake, type SalesforceFake } from '../../test/fakes/salesforce/index.js';
import { serveRpc, cpuMs } from '../lib/ipc.js';

export type CallKind = 'read' | 'write' | 'search/count' | 'oauth' | 'schema/other';
export interface CallSummary {
  total: number;
  byKind: Record<CallKind, number>;
  rateLimited: number;
  errors: number;
}

let hs: HubSpotFake | undefined;
let sf: SalesforceFake | undefined;

async function start(o: { crm: 'hubspot' | 'salesforce'; contacts: number; latencyMs: number }) {
  if (o.crm === 'hubspot') {
    hs = await startHubSpotFake({ latencyMs: o.latencyMs });
    hs.addContacts(o.contacts, (i) => ({ email: `person${i}@bulk.example`, firstname: `First${i}`, lastname: `Last${i}` }));
    return { url: hs.url, authorizeUrl: hs.authorizeUrl, clientId: hs.clientId, clientSecret: hs.clientSecret, rateLimit: '100 per 10 s' };
  }
  sf = await startSalesforceFake({ latencyMs: o.latencyMs, dailyApiLimit: 1_000_000 });
  sf.addRecords('Contact', o.contacts, (i) => ({ FirstName: `First${i}`, LastName: `Last${i}`, Email: `person${i}@bulk.example` }));
  return { url: sf.url, authorizeUrl: `${sf.url}/services/oauth2/authorize`, clientId: sf.clientId, clientSecret: sf.clientSecret, rateLimit: 'daily allocation only' };
}

function hubspotKind(r: { kind: string; method: string; path: string }): CallKind {
  if (r.kind === 'oauth') return 'oauth';
  if (r.kind === 'search') return 'search/count';
  const p = r.path;
  if (p === '/crm/v3/objects/contacts' && r.method === 'GET') return 'read';
  if (p.endsWith('/batch/read')) return 'read';
  if (p.endsWith('/batch/update') || (r.method === 'PATCH' && p.startsWith('/crm/v3/objects/contacts/'))) return 'write';
  if (r.method === 'GET' && /^\/crm\/v3\/objects\/contacts\/[^/]+$/.test(p)) return 'read';
  return 'schema/other';
}

function salesforceKind(r: { kind: string; method: string; path: string; soql?: string; query?: Record<string, string> }): CallKind {
  if (r.kind === 'oauth' || r.kind === 'identity') return 'oauth';
  if (r.kind !== 'rest') return 'schema/other';
  const p = r.path;
  if (/\/query(All)?\/?$/.test(p)) {
    const q = r.soql ?? r.query?.q ?? '';
    return /COUNT\(\)/i.test(q) ? 'search/count' : 'read';
  }
  if (/\/query(All)?\/[^/]+$/.test(p)) return 'read';
  // POST /composite/sobjects/{Type} is a retrieve (read); PATCH /composite/sobjects an update.
  if (/\/composite\/sobjects\/[A-Za-z_]+$/.test(p) && (r.method === 'POST' || r.method === 'GET')) return 'read';
  if (/\/composite\/sobjects\/?$/.test(p)) return 'write';
  if (/\/sobjects\/(Contact|Lead)\/[A-Za-z0-9]{15,18}$/.test(p)) return r.method === 'GET' ? 'read' : 'write';
  return 'schema/other';
}

function summary(): CallSummary {
  const byKind: Record<CallKind, number> = { read: 0, write: 0, 'search/count': 0, oauth: 0, 'schema/other': 0 };
  let rateLimited = 0;
  let errors = 0;
  const list = hs ? hs.requests : (sf?.requests ?? []);
  for (const r of list as { kind: string; method: string; path: string; status: number; soql?: string; query?: any }[]) {
    byKind[hs ? hubspotKind(r) : salesforceKind(r)]++;
    if (r.status === 429) rateLimited++;
    else if (r.status >= 400) errors++;
  }
  return { total: list.length, byKind, rateLimited, errors };
}

/** Contacts that carry our provenance field after the run. */
function written(): number {
  if (hs) return hs.contacts().filter((c) => c.properties.enrichment_source === 'dataset').length;
  return sf!.records('Contact').filter((r) => r['Enrichment_Source__c'] === 'dataset').length;
}

serveRpc({
  start,
  summary,
  written,
  resetRequests: () => (hs ? hs.resetRequests() : sf?.resetRequests()),
  cpu: () => cpuMs(),
  async stop() {
    await hs?.close();
    await sf?.close();
  },
});
