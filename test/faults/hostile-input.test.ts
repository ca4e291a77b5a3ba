// 1,000 generated malformed or hostile requests spread over every public route, sent as raw
// bytes (fetch would refuse or repair most of them). The PRNG seed is printed; FAULTS_SEED=<n> replays a run.
// Per request: an answer always comes (no reset, no truncation), never a 5xx, no stack trace or internal
// error name in the body, no reflected markup in HTML, no header injected into the response, and the auth
// guards answer first (401 for the API without a valid key and for unsigned webhooks). Afterwards: no table
// changed except the rows valid requests may add (ledger rows of the valid key's 200s, a bulk 200's one per valid
// item, one OAuth state per successful install, the key's last_used_at), Object.prototype is not polluted, and the
// server still answers. Every answer of a documented route must also match the OpenAPI document (test helpers).
//
// nock's interceptor (@mswjs/interceptors 0.45) patches net.connect and parses every client socket's bytes, so
// it would parse, and choke on, the very bytes under test (gzip bodies, absolute-form targets). It is switched
// off in this file while the requests go out: the service here has only the dataset provider and talks to the
// two local fakes on 127.0.0.1, nothing else.
import { createHmac } from 'node:crypto';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookV3, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { buildOutboundMessage, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { hubspotEnv, installCrm, outboundUrl, salesforceEnv } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';
import { post, type TestService } from '../helpers/service.js';
import { rawRequest, type RawRequest, type RawResult } from './raw-http.js';
import { PUBLIC_URL, rng, snapshotTables, startFaultService, testSeed, type Rng } from './support.js';

const TOTAL = 1000;
const CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------------------------
// The hostile corpus.

const SQL = [`' OR 1=1 --`, `\\'`, `%`, `_`, `'; DROP TABLE accounts; --`, `" OR ""="`, `1' AND SLEEP(5)--`, `\\' OR Id != null --`, `%' OR Name LIKE '%`, `') UNION SELECT key_hash FROM api_keys --`, `*`, `\\`, `';--`];
const UNICODE = ['\u202Eevil\u202C', 'zero\u200Bwidth\u200C\u200D\uFEFF', '\uD800', '\uDFFF', 'a\uD83D', '\uD83D\uDE00', 'e\u0301\u0301\u0301', '＠', 'јohn.doe@acme.com', '\u0000', 'line\u2028sep', 'ﷺ', '𝕳𝖊𝖑𝖑𝖔', 'مرحبا\u200F'];
const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const MARKUP = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '${7*7}', '{{7*7}}', '<!--', ']]>', '&lt;', '%s%s%s%n'];
const PATHS = ['../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%00', '%', '%ZZ', '//', '\\..\\..\\windows', '.%2e/'];
const CRLF = ['x\r\nSet-Cookie: injected=1', 'x\r\nX-Injected: 1', 'x%0d%0aX-Injected:%201', 'x%0D%0ASet-Cookie:%20injected=1', 'x\nX-Injected: 1'];
const NUMBERS = ['NaN', 'Infinity', '-0', '1e309', '9007199254740993', '0x1F', '-1', '1.5', '１２３'];
const EMAILS = ['john.doe@acme.com', 'JOHN.DOE@ACME.COM', 'a@b', '@', 'a@@b.co', '"john..doe"@acme.com', 'john.doe@acme.com\r\nBcc: x@y.z', 'john.doe@acme.com%00', `x' OR 1=1 --@acme.com`, 'nobody@nowhere.example'];
const LINKEDIN = ['https://www.linkedin.com/in/johndoe', 'https://www.linkedin.com/in/johndoe/../../admin', 'https://linkedin.com.evil.com/in/x', 'javascript://linkedin.com/in/x', `https://www.linkedin.com/in/' OR 1=1 --`, 'https://www.linkedin.com/in/%', 'https://www.linkedin.com/in/_'];
const ALL = [...SQL, ...UNICODE, ...PROTO, ...MARKUP, ...PATHS, ...CRLF, ...NUMBERS, ...EMAILS, ...LINKEDIN];

function hostileString(r: Rng): string {
  const roll = r.next();
  if (roll < 0.7) return r.pick(ALL);
  if (roll < 0.8) return r.pick(ALL) + r.pick(ALL);
  if (roll < 0.9) return r.pick(['A', 'é', '\u200B', '%', "'"]).repeat(r.pick([1000, 17_000, 70_000]));
  return Array.from({ length: r.int(1, 40) }, () => String.fromCharCode(r.int(0, 0xffff))).join('');
}

function hostileValue(r: Rng, depth = 0): unknown {
  const roll = r.next();
  if (roll < 0.45 || depth > 3) return hostileString(r);
  if (roll < 0.55) return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null]);
  if (roll < 0.7) return Array.from({ length: r.int(0, 4) }, () => hostileValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = r.int(0, 4); i > 0; i--) o[r.chance(0.4) ? r.pick(PROTO) : hostileString(r).slice(0, 50)] = hostileValue(r, depth + 1);
  return o;
}

/** JSON text with keys JSON.stringify cannot produce (own "__proto__") and pollution payloads. */
function pollutingJson(r: Rng, fields: Record<string, unknown>): string {
  const extra = r.pick([
    `"__proto__":{"polluted":"yes","isAdmin":true}`,
    `"constructor":{"prototype":{"polluted":"yes"}}`,
    `"__proto__":{"__proto__":{"polluted":"yes"}}`,
    `"prototype":{"polluted":"yes"}`,
    `"__proto__":null`,
  ]);
  const body = JSON.stringify(fields);
  return body === '{}' ? `{${extra}}` : `{${extra},${body.slice(1)}`;
}

function deep(r: Rng): string {
  const n = r.pick([100, 5000, 10_000]);
  return r.chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

const INVALID_UTF8 = Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xfe, 0xc0, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80]);

/** UTF-8 bytes, except that a lone surrogate is encoded as its own 3 bytes (WTF-8) instead of U+FFFD. */
function wtf8(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      bytes.push(...Buffer.from(s.slice(i, i + 2), 'utf8'));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** Percent-encoding that never throws (encodeURIComponent does on lone surrogates) and keeps them hostile. */
function enc(s: string): string {
  let out = '';
  for (const b of wtf8(s)) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function utf8(s: string): string {
  // Header values go out as latin1 bytes: pre-encode so UTF-8 text arrives as its UTF-8 bytes.
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A hostile but HTTP-valid header value (control characters are the protocol family's business). */
function headerValue(s: string, max: number): string {
  return utf8(s).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '').slice(0, max);
}

// ---------------------------------------------------------------------------------------------------------------
// Cases.

type Family = 'enrich' | 'bulk' | 'health' | 'oauth' | 'hubspot-webhook' | 'salesforce-webhook' | 'admin' | 'methods' | 'protocol';

interface Case {
  family: Family;
  label: string;
  req: RawRequest;
  /** Sent with the valid API key to POST /v1/profile/enrich (a 200 adds one ledger row). */
  validKey?: boolean;
  /** A bulk request: its 200 adds one ledger row per item that is not a 400. */
  bulk?: boolean;
  /** GET /oauth/{hubspot,salesforce}/install (a 302 adds one OAuth state). */
  install?: boolean;
  /** Statuses this case may get; default: any below 500. */
  allowed?: (status: number) => boolean;
  expectation?: string;
}

interface World {
  key: string;
  hubspotSecret: string;
  portalId: number;
  sfOrgId: string;
  connectionIds: string[];
  /** The Salesforce connection's own Outbound Message path (/webhooks/salesforce/<secret>). */
  sfPath: string;
  /** Cookie header of a logged-in admin session (installs need one). */
  adminCookie: string;
}

const METHODS = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO', 'M-SEARCH', 'LINK', 'PURGE'];
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=evil', '', '*/*', `application/json; ${'x'.repeat(5000)}`, 'application/xml', utf8('application/jsön')];

function contentType(r: Rng, preferred: string): [string, string][] {
  const ct = r.chance(0.6) ? preferred : r.pick(CONTENT_TYPES);
  return ct ? [['Content-Type', ct]] : [];
}

function encodingHeader(r: Rng): [string, string][] {
  return r.chance(0.07) ? [['Content-Encoding', r.pick(['gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity'])]] : [];
}

function enrichBody(r: Rng): Buffer | string {
  switch (r.int(0, 13)) {
    case 0:
      return JSON.stringify({ email: r.pick(EMAILS) });
    case 1:
      return JSON.stringify({ linkedin_url: r.pick(LINKEDIN) });
    case 2:
      return JSON.stringify({ email: hostileValue(r) });
    case 3:
      return JSON.stringify({ linkedin_url: hostileValue(r), email: hostileValue(r) });
    case 4:
      return pollutingJson(r, r.chance(0.5) ? { email: 'john.doe@acme.com' } : {});
    case 5:
      return deep(r);
    case 6:
      return `{"email":${deep(r)}}`;
    case 7:
      return r.pick(['', ' ', 'null', '"john.doe@acme.com"', '[]', '{', '{"email": ', 'true', '1e309', '{"email":"a"}{"email":"b"}', '\uFEFF{"email":"john.doe@acme.com"}', '{"email":"x","email":"john.doe@acme.com"}']);
    case 8:
      return Buffer.concat([Buffer.from('{"email":"'), INVALID_UTF8, Buffer.from('@acme.com"}')]);
    case 9:
      return JSON.stringify({ email: 'a'.repeat(r.pick([15_000, 20_000, 1_000_000])) + '@acme.com' });
    case 10:
      return JSON.stringify(hostileValue(r));
    case 11:
      return `email=${enc(r.pick(EMAILS))}`;
    case 12:
      return JSON.stringify({ email: r.pick(EMAILS), [r.pick(PROTO)]: hostileValue(r) });
    default:
      return JSON.stringify({ email: r.pick(UNICODE) + r.pick(EMAILS) });
  }
}

function enrichCase(r: Rng, w: World): Case {
  const keyMode = r.pick(['valid', 'valid', 'valid', 'none', 'unknown', 'hostile', 'duplicate', 'padded'] as const);
  const headers: [string, string][] = [];
  if (keyMode === 'valid') headers.push(['X-API-Key', w.key]);
  if (keyMode === 'padded') headers.push(['X-API-Key', `   ${w.key}\t`]);
  if (keyMode === 'unknown') headers.push(['X-API-Key', `gtm_live_${'A'.repeat(32)}`]);
  if (keyMode === 'hostile') headers.push(['X-API-Key', headerValue(hostileString(r), 8000)]);
  if (keyMode === 'duplicate') headers.push(['X-API-Key', w.key], ['X-API-Key', 'gtm_live_other']);
  const valid = keyMode === 'valid' || keyMode === 'padded';
  const method = r.chance(0.9) ? 'POST' : r.pick(['GET', 'PUT', 'DELETE', 'PATCH']);
  const query = r.chance(0.1) ? `?${r.pick(['email', '__proto__[polluted]', 'constructor[prototype][polluted]'])}=${enc(hostileString(r).slice(0, 200))}` : '';
  const body = enrichBody(r);
  return {
    family: 'enrich',
    label: `${method} /v1/profile/enrich key=${keyMode}`,
    validKey: valid && method === 'POST',
    req: { method, target: `/v1/profile/enrich${query}`, headers: [...headers, ...contentType(r, 'application/json'), ...encodingHeader(r)], body },
    ...(method === 'POST' && !valid ? { allowed: (s: number) => s === 401, expectation: '401 (the key is checked first)' } : {}),
    ...(method !== 'POST' ? { allowed: (s: number) => s === 404, expectation: '404' } : {}),
  };
}

/** Bulk bodies: envelopes of the enrich family's hostile items, wrong counts, wrong shapes, or no envelope at all. */
function bulkBody(r: Rng): Buffer | string {
  switch (r.int(0, 5)) {
    case 0:
    case 1: {
      // Items spliced in as text: a 10k-deep item stays as deep as the enrich family sends it.
      const items = Array.from({ length: r.int(1, 6) }, () => {
        const b = enrichBody(r);
        const text = typeof b === 'string' ? b : b.toString('utf8');
        try {
          JSON.parse(text);
          return text;
        } catch {
          return JSON.stringify(text);
        }
      });
      return `{"requests":[${items.join(',')}]}`;
    }
    case 2:
      return JSON.stringify({ requests: Array.from({ length: r.pick([0, 101, 1000]) }, () => ({ email: r.pick(EMAILS) })) });
    case 3:
      return `{"requests":${deep(r)}}`;
    case 4:
      return pollutingJson(r, { requests: [{ email: 'john.doe@acme.com' }] });
    default:
      return r.chance(0.5) ? JSON.stringify({ requests: hostileValue(r) }) : enrichBody(r);
  }
}

function bulkCase(r: Rng, w: World): Case {
  const valid = r.chance(0.75);
  return {
    family: 'bulk',
    label: `POST /v1/profile/enrich/bulk key=${valid ? 'valid' : 'none'}`,
    validKey: valid,
    bulk: true,
    req: {
      method: 'POST',
      target: '/v1/profile/enrich/bulk',
      headers: [...(valid ? ([['X-API-Key', w.key]] as [string, string][]) : []), ...contentType(r, 'application/json'), ...encodingHeader(r)],
      body: bulkBody(r),
    },
    ...(!valid ? { allowed: (s: number) => s === 401, expectation: '401 (the key is checked first)' } : {}),
  };
}

function healthCase(r: Rng): Case {
  const path = r.pick(['/healthz', '/metrics']);
  const method = r.pick(['GET', 'GET', 'HEAD', 'POST', 'OPTIONS']);
  const query = r.chance(0.7) ? `?${enc(hostileString(r).slice(0, 300))}=${enc(hostileString(r).slice(0, 300))}` : '';
  return {
    family: 'health',
    label: `${method} ${path}`,
    req: { method, target: path + query, headers: r.chance(0.3) ? [['Accept', headerValue(hostileString(r), 500)]] : [], ...(method === 'POST' ? { body: JSON.stringify(hostileValue(r)) } : {}) },
    ...(method === 'GET' || method === 'HEAD' ? { allowed: (s: number) => s === 200, expectation: '200' } : {}),
  };
}

function oauthCase(r: Rng, w: World): Case {
  const crm = r.chance(0.8) ? r.pick(['hubspot', 'salesforce']) : r.pick(['HubSpot', 'evil', '..', '%2e%2e', 'hubspot%00', enc(hostileString(r).slice(0, 100))]);
  const kind = r.pick(['install', 'callback']);
  const params: string[] = [];
  const param = (name: string) => params.push(`${name}=${enc(hostileString(r).slice(0, r.pick([50, 300, 3000])))}`);
  if (kind === 'install') {
    if (r.chance(0.8)) param('account');
    if (r.chance(0.15)) param('account');
  } else {
    for (const name of ['code', 'state', 'error', 'error_description']) if (r.chance(0.6)) param(name);
    if (r.chance(0.2)) params.push(`state=${'A'.repeat(43)}`);
  }
  if (r.chance(0.15)) params.push(r.pick(['__proto__[polluted]=1', 'constructor[prototype][polluted]=1', '__proto__=1', `${enc(r.pick(CRLF))}=1`]));
  const method = r.chance(0.9) ? 'GET' : r.pick(['POST', 'HEAD', 'DELETE']);
  const target = `/oauth/${crm}/${kind}${params.length ? `?${params.join('&')}` : ''}`;
  // Some requests carry the admin's session; the rest none or a hostile cookie.
  const session = r.chance(0.25);
  const cookie = session ? w.adminCookie : r.chance(0.2) ? headerValue(hostileString(r), 2000) : null;
  const anonymousInstall = kind === 'install' && method === 'GET' && !session;
  return {
    family: 'oauth',
    label: `${method} /oauth/${crm.slice(0, 20)}/${kind}${session ? ' (admin session)' : ''}`,
    install: method === 'GET' && kind === 'install' && session && (crm === 'hubspot' || crm === 'salesforce'),
    req: { method, target, headers: cookie ? [['Cookie', cookie]] : [] },
    // A callback never reaches a CRM with a state the fuzzer cannot know: refused, never a redirect to the admin.
    ...(kind === 'callback' && method === 'GET' ? { allowed: (s: number) => s === 400 || s === 404 || s === 431, expectation: '400 (unknown state), 404, or 431 (URL too long)' } : {}),
    // Without a session an install is sent to the login page before anything is looked at or stored.
    ...(anonymousInstall ? { allowed: (s: number) => s === 303 || s === 431, expectation: '303 to the login page (or 431)' } : {}),
  };
}

function hubspotSigned(w: World, body: Buffer | string, query: string, timestamp = Date.now()): [string, string][] {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const signature = createHmac('sha256', w.hubspotSecret)
    .update(`POST${PUBLIC_URL}/webhooks/hubspot${query}`.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decodeURIComponent(m)), 'utf8')
    .update(raw)
    .update(String(timestamp), 'utf8')
    .digest('base64');
  return [
    ['X-HubSpot-Signature-v3', signature],
    ['X-HubSpot-Request-Timestamp', String(timestamp)],
    ['X-HubSpot-Signature-Version', 'v3'],
  ];
}

const INVALID_FIELD: [string, unknown][] = [
  ['objectId', 'abc'], ['objectId', `' OR 1=1 --`], ['objectId', 1.5], ['objectId', null], ['objectId', {}], ['objectId', []], ['objectId', true],
  ['objectId', ''], ['objectId', '１２３'], ['objectId', '0x10'], ['objectId', '1e3'], ['objectId', '9'.repeat(30)], ['eventId', null], ['eventId', ''],
  ['occurredAt', 'yesterday'], ['subscriptionType', ''], ['portalId', '%'],
];

function hubspotEvent(r: Rng, portalId: number): Record<string, unknown> {
  return {
    eventId: r.int(1, 2 ** 31),
    subscriptionId: 1,
    portalId,
    appId: 1_234_567,
    occurredAt: Date.now(),
    subscriptionType: 'contact.creation',
    attemptNumber: 0,
    objectId: r.int(1, 1_000_000),
    changeFlag: 'NEW',
    changeSource: 'CRM',
  };
}

function hubspotWebhookCase(r: Rng, w: World): Case {
  const query = r.chance(0.15) ? `?${enc(hostileString(r).slice(0, 100))}=${enc(r.pick(SQL))}` : '';
  const forged = r.chance(0.35);
  let body: Buffer | string;
  let what: string;
  switch (r.int(0, 9)) {
    case 0:
      what = 'not JSON';
      body = r.pick(['', 'null', '{', 'x'.repeat(1000), '<xml/>']);
      break;
    case 1:
      what = 'object, not array';
      body = pollutingJson(r, { events: [hubspotEvent(r, w.portalId)] });
      break;
    case 2: {
      // Connected portal, one malformed event among events we ignore: the odd one is skipped and counted, the
      // batch acknowledged (a refusal would make HubSpot drop the valid events with it), nothing queued.
      what = 'connected portal, malformed event';
      const events: Record<string, unknown>[] = Array.from({ length: r.int(1, 5) }, () => ({ ...hubspotEvent(r, w.portalId), subscriptionType: 'contact.propertyChange' }));
      const [field, value] = r.pick(INVALID_FIELD);
      events[r.int(0, events.length - 1)]![field] = value;
      body = JSON.stringify(events);
      break;
    }
    case 3:
      what = 'unknown portal';
      body = JSON.stringify(Array.from({ length: r.int(1, 5) }, () => ({ ...hubspotEvent(r, r.int(1, 1000) * 1_000_003), extra: hostileValue(r) })));
      break;
    case 4:
      what = 'connected portal, events we ignore';
      body = JSON.stringify(Array.from({ length: r.int(1, 3) }, () => ({ ...hubspotEvent(r, w.portalId), subscriptionType: r.pick(['contact.propertyChange', 'contact.deletion', 'company.creation', hostileString(r).slice(0, 100)]) })));
      break;
    case 5:
      what = 'deep nesting';
      body = deep(r);
      break;
    case 6:
      what = 'huge';
      body = r.chance(0.5) ? `[${'"x",'.repeat(600_000)}"x"]` : JSON.stringify(Array.from({ length: 1001 }, () => hubspotEvent(r, 777)));
      break;
    case 7:
      what = 'invalid UTF-8';
      body = Buffer.concat([Buffer.from('[{"eventId":1,"portalId":777,"objectId":1,"occurredAt":1,"subscriptionType":"'), INVALID_UTF8, Buffer.from('"}]')]);
      break;
    case 8:
      what = 'hostile array';
      body = JSON.stringify(Array.from({ length: r.int(1, 5) }, () => hostileValue(r)));
      break;
    default:
      what = 'prototype keys in events of an unknown portal';
      body = `[${pollutingJson(r, hubspotEvent(r, 888_888))}]`;
  }
  let headers: [string, string][];
  let forgery = '';
  if (forged) {
    const kind = r.int(0, 6);
    forgery = ['no signature', 'garbage signature', 'signature of another body', 'stale', 'future', 'bad timestamp', 'signature for another URL'][kind]!;
    const good = hubspotSigned(w, body, query);
    if (kind === 0) headers = [good[1]!];
    else if (kind === 1) headers = [['X-HubSpot-Signature-v3', headerValue(hostileString(r), 200)], good[1]!];
    else if (kind === 2) headers = hubspotSigned(w, 'other body', query);
    else if (kind === 3) headers = hubspotSigned(w, body, query, Date.now() - 6 * 60_000);
    else if (kind === 4) headers = hubspotSigned(w, body, query, Date.now() + 6 * 60_000);
    else if (kind === 5) headers = [good[0]!, ['X-HubSpot-Request-Timestamp', r.pick(['1e12', ' 12', '-1', 'NaN', utf8('１２３'), '9'.repeat(40)])]];
    else headers = [['X-HubSpot-Signature-v3', signWebhookV3({ clientSecret: w.hubspotSecret, method: 'POST', url: 'https://attacker.example/webhooks/hubspot', body: Buffer.isBuffer(body) ? body.toString('utf8') : body, timestamp: Date.now() })], good[1]!];
  } else headers = hubspotSigned(w, body, query);
  // Over the 1 MiB cap: refused from Content-Length (413), before the signature is computed.
  const huge = Buffer.byteLength(body) > 1024 * 1024;
  return {
    family: 'hubspot-webhook',
    label: `POST /webhooks/hubspot ${forged ? `forged (${forgery})` : 'signed'}: ${what}`,
    req: { method: 'POST', target: `/webhooks/hubspot${query}`, headers: [...headers, ...contentType(r, 'application/json')], body },
    ...(forged && !huge ? { allowed: (s: number) => s === 401, expectation: '401 (the signature is checked first)' } : {}),
    ...(huge ? { allowed: (s: number) => s === 413, expectation: '413 (over the cap)' } : {}),
    // A body that is no batch is refused; inside a batch, events of other kinds or shapes are skipped and counted
    // and events of unknown portals acknowledged and dropped (200, nothing queued: the table snapshot checks it).
    // Invalid UTF-8 decodes to U+FFFD: it may be a valid event of an unknown portal (200) or refused (400).
    ...(!forged && !huge && ['not JSON', 'object, not array'].includes(what) ? { allowed: (s: number) => s === 400, expectation: '400' } : {}),
    ...(!forged && !huge && what === 'deep nesting' ? { allowed: (s: number) => s === 400 || s === 200, expectation: '400 (an object) or 200 (an array of odd events)' } : {}),
    ...(!forged && !huge && ['unknown portal', 'connected portal, events we ignore', 'connected portal, malformed event', 'hostile array', 'prototype keys in events of an unknown portal'].includes(what)
      ? { allowed: (s: number) => s === 200, expectation: '200 (acknowledged, nothing queued)' }
      : {}),
  };
}

function salesforceCase(r: Rng, w: World): Case {
  const note = (id: string, type: 'Contact' | 'Lead', recordId: string) => ({ id, sObject: { type, Id: recordId, Email: r.pick([...EMAILS, ...SQL]), LastName: hostileString(r).slice(0, 200) } });
  let body: string | Buffer;
  let what: string;
  let allowed: ((s: number) => boolean) | undefined;
  switch (r.int(0, 10)) {
    case 0:
      what = 'broken XML';
      body = r.pick(['<soapenv:Envelope>', '<<>>', '<a><b></a></b>', '{"OrganizationId":"00D000000000001AAA"}', '', ' ', '<?xml version="1.0"?>', '<a attr="1" attr="2"/>']);
      allowed = (s) => s === 400;
      break;
    case 1:
      what = 'entity expansion';
      body =
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
        `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications><OrganizationId>&lol3;</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>`;
      allowed = (s) => s === 400;
      break;
    case 2:
      what = 'external entity';
      body = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>`;
      allowed = (s) => s === 400;
      break;
    case 3:
      what = 'wrong org';
      body = buildOutboundMessage({ orgId: '00D000000000099ZZZ', notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA', Email: r.pick(SQL) } }] });
      allowed = (s) => s === 403;
      break;
    case 4: {
      what = 'connected org, hostile record id';
      const bad = r.pick([`003' OR 1=1 --`, '003%', '003_________', '001000000000001AAA', '003\u200B00000000001AAA', '', '003000000000001AAAAAA', hostileString(r).slice(0, 40)]);
      body = buildOutboundMessage({ orgId: w.sfOrgId, notifications: [note('04l000000000001AAA', r.pick(['Contact', 'Lead'] as const), bad), note('04l000000000002AAA', 'Contact', '003000000000002AAA')] });
      allowed = (s) => s === 400;
      break;
    }
    case 5:
      what = 'connected org, hostile OrganizationId';
      body = buildOutboundMessage({ orgId: w.sfOrgId, notifications: [note('04l000000000001AAA', 'Contact', '003000000000001AAA')] }).replace(
        `<OrganizationId>${w.sfOrgId}</OrganizationId>`,
        `<OrganizationId>${r.pick([`${w.sfOrgId}\u200B`, `${w.sfOrgId}' OR 1=1`, `<![CDATA[${w.sfOrgId}]]>x`, '%', '_'.repeat(18)])}</OrganizationId>`,
      );
      break;
    case 6:
      what = 'huge';
      body = `<a>${'x'.repeat(r.pick([1_200_000, 3_000_000]))}</a>`;
      break;
    case 7:
      what = 'deep nesting';
      body = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
      allowed = (s) => s === 400;
      break;
    case 8:
      what = 'invalid UTF-8';
      body = Buffer.concat([Buffer.from('<?xml version="1.0"?><a>'), INVALID_UTF8, Buffer.from('</a>')]);
      allowed = (s) => s === 400;
      break;
    case 9:
      what = '101 notifications, connected org';
      body = buildOutboundMessage({ orgId: w.sfOrgId, notifications: Array.from({ length: 100 }, (_, i) => note(`04l0000000000${String(i).padStart(2, '0')}AAA`, 'Contact', `0030000000000${String(i).padStart(2, '0')}AAA`)) }).replace(
        '</notifications>',
        '<Notification><Id>04l000000000999AAA</Id><sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>003000000000999AAA</sf:Id></sObject></Notification></notifications>',
      );
      allowed = (s) => s === 400;
      break;
    default:
      what = 'hostile text';
      body = hostileString(r);
  }
  // Most go to the connection's own endpoint; the rest to the bare path or a secret that is not ours, which
  // answer 404 before the body is read, whatever it holds.
  const where = r.pick(['own', 'own', 'own', 'bare', 'unknown'] as const);
  const target =
    where === 'own' ? w.sfPath : where === 'bare' ? '/webhooks/salesforce' : `/webhooks/salesforce/${r.chance(0.5) ? 'A'.repeat(43) : enc(hostileString(r).slice(0, 200))}`;
  const method = r.chance(0.95) ? 'POST' : 'PUT';
  const refusedUnread = where !== 'own' || method !== 'POST';
  return {
    family: 'salesforce-webhook',
    label: `${method} /webhooks/salesforce (${where}): ${what}`,
    req: { method, target, headers: [...(allowed ? [['Content-Type', 'text/xml; charset=utf-8'] as [string, string]] : contentType(r, 'text/xml; charset=utf-8')), ['SOAPAction', '""']], body },
    ...(refusedUnread
      ? // A secret that is not even valid percent-encoding is refused by the router itself (400).
        { allowed: (s: number) => s === 404 || s === 414 || s === 431 || (where === 'unknown' && s === 400), expectation: '404 (not this connection\'s endpoint)' }
      : allowed
        ? { allowed, expectation: `${what}: a 4xx refusal` }
        : {}),
  };
}

function adminCase(r: Rng, w: World): Case {
  const id = r.chance(0.5) ? r.pick(w.connectionIds) : enc(hostileString(r).slice(0, 200));
  const get = r.chance(0.5);
  const headers: [string, string][] = [];
  const cookie = r.int(0, 5);
  if (cookie === 1) headers.push(['Cookie', `crm_enrich_admin=${enc(hostileString(r).slice(0, 300))}`]);
  if (cookie === 2) headers.push(['Cookie', `crm_enrich_admin=${'A'.repeat(r.pick([43, 101, 12_000]))}`]);
  if (cookie === 3) headers.push(['Cookie', `crm_enrich_admin=%E0%A4%A; crm_enrich_login=%; ${utf8(r.pick(UNICODE))}=1`]);
  if (cookie === 4) headers.push(['Cookie', `crm_enrich_login=${'a'.repeat(43)}`]);
  if (r.chance(0.3)) headers.push(['Origin', r.pick(['null', 'https://evil.example', PUBLIC_URL, headerValue(hostileString(r), 200)])]);
  if (r.chance(0.2)) headers.push(['X-Forwarded-For', r.pick(['1.2.3.4', `${'9.'.repeat(500)}9`, utf8(r.pick(SQL))])]);
  if (get) {
    const path = r.pick([
      '/admin',
      '/admin/',
      `/admin/login?next=${enc(r.pick([...CRLF, '//evil.example', 'https://evil.example', '/admin/../oauth/hubspot/install', hostileString(r).slice(0, 300)]))}`,
      '/admin/connections',
      `/admin/connections/${id}`,
      `/admin/connections/${id}/mapping`,
      '/admin/schedules',
      `/admin/credits?days=${enc(r.pick([...NUMBERS, ...SQL]))}`,
      `/admin/credits.csv?since=${enc(r.pick([...NUMBERS, ...SQL]))}`,
      `/admin/activity?page=${enc(r.pick([...NUMBERS, ...SQL]))}`,
      '/admin/api-keys',
      '/admin/assets/admin.css',
      '/admin/assets/../../package.json',
      `/admin/${r.pick(PATHS)}`,
    ]);
    return { family: 'admin', label: `GET ${path.slice(0, 60)}`, req: { method: r.pick(['GET', 'GET', 'HEAD']), target: path, headers } };
  }
  const path = r.pick([
    '/admin/login',
    '/admin/login',
    '/admin/logout',
    '/admin/connections/connect',
    `/admin/connections/${id}/${r.pick(['sync', 'pause', 'resume', 'provision', 'enrich', 'disconnect', 'delete', 'mapping', 'mapping/preview'])}`,
    '/admin/schedules',
    '/admin/credits/limit',
    `/admin/activity/jobs/${r.pick(['1', '-1', '0', "1' OR 1=1", '%'])}/retry`,
    '/admin/api-keys',
    `/admin/api-keys/${id}/revoke`,
  ]);
  const form = () => {
    const fields = [`_csrf=${enc(r.chance(0.3) ? 'a'.repeat(43) : hostileString(r).slice(0, 100))}`];
    for (const name of ['password', 'next', 'account', 'limit', 'mode', 'cron', 'crm', r.pick(PROTO), '__proto__[polluted]']) if (r.chance(0.4)) fields.push(`${enc(name)}=${enc(hostileString(r).slice(0, 500))}`);
    return fields.join('&');
  };
  const body = r.pick([form, form, () => Array.from({ length: 2500 }, (_, i) => `p${i}=1`).join('&'), () => `a=${'x'.repeat(300_000)}`, () => JSON.stringify(hostileValue(r)), () => '%%%&&&==='])();
  return {
    family: 'admin',
    label: `POST ${path.slice(0, 60)}`,
    req: { method: 'POST', target: path, headers: [...headers, ...contentType(r, 'application/x-www-form-urlencoded')], body },
    // Without a session nothing is changed: never a success or a redirect.
    allowed: (s) => s >= 400 && s < 500,
    expectation: 'a 4xx (no session)',
  };
}

function methodsCase(r: Rng): Case {
  const method = r.pick(METHODS);
  const path = r.pick(['/v1/profile/enrich', '/healthz', '/metrics', '/oauth/hubspot/install', '/oauth/salesforce/callback', '/webhooks/hubspot', '/webhooks/salesforce', '/admin', '/admin/login', `/${enc(hostileString(r).slice(0, 100))}`, '/v1/profile/enrich/../../admin', '//healthz', `/${r.pick(PATHS)}`, '/%ZZ', `/x${'%2e%2e/'.repeat(50)}`]);
  return {
    family: 'methods',
    label: `${method} ${path.slice(0, 50)}`,
    req: { method, target: method === 'OPTIONS' && r.chance(0.2) ? '*' : path, headers: [], ...(r.chance(0.5) ? { body: JSON.stringify(hostileValue(r)) } : {}) },
  };
}

function protocolCase(r: Rng, w: World): Case {
  const host = 'Host: 127.0.0.1\r\n';
  const options: [string, string][] = [
    ['bare LF', `GET /healthz HTTP/1.1\n${host.replace('\r\n', '\n')}\n`],
    ['obs-fold', `GET /healthz HTTP/1.1\r\n${host}X-Folded: a\r\n b\r\n\r\n`],
    ['space in header name', `GET /healthz HTTP/1.1\r\n${host}X Bad: 1\r\n\r\n`],
    ['NUL in header value', `GET /healthz HTTP/1.1\r\n${host}X-Nul: a\u0000b\r\n\r\n`],
    ['CL and TE together', `POST /v1/profile/enrich HTTP/1.1\r\n${host}X-API-Key: ${w.key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['bad chunk size', `POST /webhooks/hubspot HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n`],
    ['negative Content-Length', `POST /webhooks/salesforce HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`],
    ['two Content-Lengths', `POST /webhooks/salesforce HTTP/1.1\r\n${host}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`],
    ['Content-Length list', `POST /v1/profile/enrich HTTP/1.1\r\n${host}Content-Length: 2, 2\r\n\r\n{}`],
    ['no Host', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['two Hosts', `GET /healthz HTTP/1.1\r\n${host}${host}\r\n`],
    ['HTTP/1.0', 'GET /healthz HTTP/1.0\r\n\r\n'],
    ['absolute-form', `GET http://evil.example/admin HTTP/1.1\r\n${host}\r\n`],
    ['header injection in a value', `GET /oauth/hubspot/install?account=a HTTP/1.1\r\n${host}X-Api-Key: k\r\nX-Injected: 1\r\n\r\n`],
    ['huge header', `GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['huge URL', `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${host}\r\n`],
    ['Expect: 100-continue', `POST /v1/profile/enrich HTTP/1.1\r\n${host}X-API-Key: nope\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`],
    ['Expect: garbage', `POST /v1/profile/enrich HTTP/1.1\r\n${host}Expect: teapot\r\nContent-Length: 2\r\n\r\n{}`],
    ['websocket upgrade', `GET /healthz HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
    ['h2c upgrade', `GET /healthz HTTP/1.1\r\n${host}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`],
    ['CONNECT', `CONNECT 127.0.0.1:80 HTTP/1.1\r\n${host}\r\n`],
    ['latin1 bytes in header', `GET /healthz HTTP/1.1\r\n${host}X-Latin: ${utf8('ÿ\u202E')}\r\n\r\n`],
  ];
  const [label, raw] = r.pick(options);
  return { family: 'protocol', label, req: { method: label === 'CONNECT' ? 'CONNECT' : 'GET', target: '/', raw } };
}

const FAMILIES: { family: Family; weight: number; make: (r: Rng, w: World) => Case }[] = [
  { family: 'enrich', weight: 30, make: enrichCase },
  { family: 'bulk', weight: 8, make: bulkCase },
  { family: 'health', weight: 5, make: healthCase },
  { family: 'oauth', weight: 12, make: oauthCase },
  { family: 'hubspot-webhook', weight: 15, make: hubspotWebhookCase },
  { family: 'salesforce-webhook', weight: 12, make: salesforceCase },
  { family: 'admin', weight: 14, make: adminCase },
  { family: 'methods', weight: 6, make: methodsCase },
  { family: 'protocol', weight: 6, make: protocolCase },
];

function generate(r: Rng, w: World, n: number): Case[] {
  const total = FAMILIES.reduce((s, f) => s + f.weight, 0);
  const cases: Case[] = [];
  // Every family at least 10 times, then by weight.
  for (const f of FAMILIES) for (let i = 0; i < 10; i++) cases.push(f.make(r, w));
  while (cases.length < n) {
    let x = r.next() * total;
    const f = FAMILIES.find((g) => (x -= g.weight) < 0) ?? FAMILIES[0]!;
    cases.push(f.make(r, w));
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Oracles on one response.

const INTERNALS = /\bat [^\n]*\.(?:ts|js|mjs):\d+|node_modules|SqliteError|TypeError|ReferenceError|RangeError|SyntaxError: Unexpected|ZodError|\/work\/|\/src\//;

function problems(c: Case, result: RawResult): string[] {
  if (!result.ok) return [`no complete answer: ${result.error}`];
  const { status, headers, body } = result.res;
  const out: string[] = [];
  if (status >= 500) out.push(`status ${status}: ${body.toString('utf8').slice(0, 160)}`);
  const text = body.toString('utf8');
  if (c.allowed && !c.allowed(status)) out.push(`status ${status}, expected ${c.expectation ?? 'another status'}: ${text.slice(0, 160)}`);
  if (INTERNALS.test(text)) out.push(`internals in the body: ${INTERNALS.exec(text)![0]}`);
  const type = headers.find(([k]) => k === 'content-type')?.[1] ?? '';
  if (/html/.test(type) && /<script>alert|<img src=x onerror/i.test(text)) out.push('markup from the request reflected unescaped');
  if (/json/.test(type) && text && c.req.method !== 'HEAD') {
    try {
      JSON.parse(text);
    } catch {
      out.push('a JSON content type with a body that is not JSON');
    }
  }
  for (const [k, v] of headers) {
    if (k === 'x-injected' || (k === 'set-cookie' && /injected/i.test(v))) out.push(`injected response header ${k}: ${v}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe('hostile input on every public route', () => {
  const seed = testSeed('hostile-input');
  let hs: HubSpotFake;
  let sf: SalesforceFake;
  let t: TestService;
  let world: World;
  let keyId: string;

  beforeAll(async () => {
    hs = await startHubSpotFake();
    sf = await startSalesforceFake();
    t = await startFaultService({ env: { ...hubspotEnv(hs), ...salesforceEnv(sf), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    t.importSample();
    const hubspot = await installCrm(t, 'hubspot');
    const salesforce = await installCrm(t, 'salesforce');
    const account = t.services.repos.accounts.ensure('fuzz');
    const created = t.services.repos.apiKeys.create(account.id);
    keyId = created.id;
    world = {
      key: created.key,
      hubspotSecret: hs.clientSecret,
      portalId: hs.portalId,
      sfOrgId: sf.orgId,
      connectionIds: [hubspot.connectionId, salesforce.connectionId],
      sfPath: new URL(outboundUrl(t, salesforce.connectionId)).pathname,
      adminCookie: await adminCookie(t),
    };
  });
  afterAll(async () => {
    await t?.close();
    await hs?.close();
    await sf?.close();
  });

  it('then 1,000 generated requests get a proper answer, never a 5xx, and change nothing they should not', async () => {
    nock.restore();
    try {
      await fuzz();
    } finally {
      nock.activate();
    }
  });

  async function fuzz(): Promise<void> {
    const r = rng(seed);
    const cases = generate(r, world, TOTAL);
    const db = t.services.db;
    const port = Number(new URL(t.url).port);
    const protoBefore = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
    const maxLedger = db.prepare('SELECT COALESCE(MAX(id), 0) FROM credit_ledger').pluck().get() as number;
    // States are told apart by their hash: rowids of purged states can be reused.
    const statesBefore0 = new Set(db.prepare('SELECT state_hash FROM oauth_states').pluck().all() as string[]);
    const oldRows = () => ({
      ledger: JSON.stringify(db.prepare('SELECT * FROM credit_ledger WHERE id <= ? ORDER BY id').all(maxLedger)),
      // Used and expired states may be purged by a new install; live ones must stay as they were.
      states: JSON.stringify(
        (db.prepare('SELECT * FROM oauth_states WHERE used_at IS NULL ORDER BY state_hash').all() as { state_hash: string }[]).filter((row) => statesBefore0.has(row.state_hash)),
      ),
    });
    const before = snapshotTables(db, { api_keys: ['last_used_at'] });
    const oldBefore = oldRows();

    const results: { c: Case; result: RawResult; i: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i]!;
          results.push({ c, i, result: await rawRequest(port, c.req) });
        }
      }),
    );
    results.sort((a, b) => a.i - b.i);

    // Per request.
    const failures = results.flatMap(({ c, i, result }) => problems(c, result).map((p) => `#${i} [${c.family}] ${c.label.slice(0, 120)}: ${p}`));
    const byFamily = new Map<string, Map<number | string, number>>();
    for (const { c, result } of results) {
      const m = byFamily.get(c.family) ?? new Map<number | string, number>();
      const k = result.ok ? result.res.status : 'failed';
      m.set(k, (m.get(k) ?? 0) + 1);
      byFamily.set(c.family, m);
    }
    // eslint-disable-next-line no-console
    console.info(
      `[hostile-input] seed ${seed}: ${results.length} requests\n` +
        [...byFamily].map(([f, m]) => `  ${f.padEnd(18)} ${[...m].sort().map(([s, n]) => `${s}×${n}`).join(' ')}`).join('\n'),
    );
    expect(failures, `seed ${seed} (replay: FAULTS_SEED=${seed})`).toEqual([]);
    for (const f of FAMILIES) expect(results.filter((x) => x.c.family === f.family).length, f.family).toBeGreaterThanOrEqual(10);

    // Nothing changed that should not have.
    const statusOf = (x: (typeof results)[number]) => (x.result.ok ? x.result.res.status : 0);
    // A single 200 of the valid key writes one ledger row; a bulk 200 one per item that was not refused as invalid.
    const rowsOf = (x: (typeof results)[number]) => {
      if (!x.c.validKey || statusOf(x) !== 200 || !x.result.ok) return 0;
      if (!x.c.bulk) return 1;
      return (JSON.parse(x.result.res.body.toString('utf8')) as { results: { status: number }[] }).results.filter((i) => i.status !== 400).length;
    };
    const charged = results.reduce((n, x) => n + rowsOf(x), 0);
    // An install creates its state exactly when it redirects to the CRM's consent screen.
    const authorize = [hs.authorizeUrl, `${sf.url}/services/oauth2/authorize`];
    const installs = results.filter(
      (x) => x.result.ok && x.result.res.status === 302 && x.result.res.headers.some(([k, v]) => k === 'location' && authorize.some((a) => v.startsWith(`${a}?`)) && /[?&]state=/.test(v)),
    ).length;
    expect(installs, `seed ${seed}: installs seen`).toBeGreaterThanOrEqual(results.filter((x) => x.c.install && statusOf(x) === 302).length);
    const after = snapshotTables(db, { api_keys: ['last_used_at'] });
    // The key's rate bucket is taken from by every authenticated request, hostile or not (shared through the database).
    const { credit_ledger: ledgerAfter, oauth_states: statesAfter, api_rate_buckets: _bucketsAfter, ...restAfter } = after;
    const { credit_ledger: ledgerBefore, oauth_states: statesBefore, api_rate_buckets: _bucketsBefore, ...restBefore } = before;
    expect(restAfter, `seed ${seed}`).toEqual(restBefore);
    expect(oldRows(), `seed ${seed}: existing ledger rows and OAuth states are untouched`).toEqual(oldBefore);
    expect(ledgerAfter!.count - ledgerBefore!.count, `seed ${seed}: one ledger row per 200 of the valid key`).toBe(charged);
    const newRows = db.prepare('SELECT DISTINCT api_key_id FROM credit_ledger WHERE id > ?').pluck().all(maxLedger);
    expect(newRows, `seed ${seed}`).toEqual(charged ? [keyId] : []);
    void statesAfter;
    void statesBefore;
    const newStates = (db.prepare('SELECT state_hash FROM oauth_states').pluck().all() as string[]).filter((h) => !statesBefore0.has(h)).length;
    expect(newStates, `seed ${seed}: one OAuth state per successful install`).toBe(installs);

    // No prototype pollution.
    expect([Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort())).toEqual(protoBefore);
    const probe = {} as Record<string, unknown>;
    for (const k of ['polluted', 'isAdmin']) expect(probe[k], k).toBeUndefined();

    // Still serving.
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ok = await post(`${t.url}/v1/profile/enrich`, { email: 'john.doe@acme.com' }, { 'x-api-key': world.key });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ found: true, credits_charged: 3 });
  }
});
