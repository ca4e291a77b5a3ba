// A stateful local stand-in for the Salesforce APIs the connector uses through jsforce:
// OAuth web-server flow + identity, REST (describe, SOQL query/queryMore, CRUD, sObject Collections,
// limits), the Metadata SOAP API (CustomField, PermissionSet) and Outbound Message payloads.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ctx, HttpResult } from './http.js';
import { json } from './http.js';
import { ApiUsage } from './limits.js';
import { MetadataApi, soapFault } from './metadata.js';
import { OAuthServer } from './oauth.js';
import { buildOutboundMessage } from './outbound.js';
import { RestApi } from './rest.js';
import { OrgState } from './state.js';
import type { FakeRecord, FakeRequest, RequestKind, SfValue } from './types.js';
import { formatDateTime, idKey, sleep } from './util.js';

export { buildOutboundMessage, isAck, OUTBOUND_NS, type OutboundMessageOptions, type OutboundNotification } from './outbound.js';
export type { FakeRecord, FakeRequest, RequestKind, SfValue } from './types.js';

export interface SalesforceFakeOptions {
  clientId?: string;
  clientSecret?: string;
  /** 18-char org id */
  orgId?: string;
  /** the connected (integration) user */
  userId?: string;
  /** daily API request allocation (Developer Edition: 15,000) */
  dailyApiLimit?: number;
  /** every refresh returns a new refresh_token and invalidates the old one */
  rotateRefreshTokens?: boolean;
  /** false = the user lacks Modify Metadata → every Metadata API call faults with INSUFFICIENT_ACCESS */
  metadataAllowed?: boolean;
  /** latency added to every request */
  latencyMs?: number;
  /** the Connected App's callback URLs; when given, other redirect_uri values are refused */
  redirectUris?: string[];
}

export interface Fault {
  method?: string;
  /** tested against the path and against path+query */
  path: RegExp;
  status: number;
  /** object/array → JSON; string → sent as is (text/html when it starts with `<`) */
  body?: unknown;
  times: number;
  delayMs?: number;
  /** never answer (until close()) */
  hang?: boolean;
}

export interface CustomFieldSpec {
  type: 'Text' | 'Checkbox' | 'Date' | 'DateTime' | 'Number' | 'Url' | 'Picklist' | 'Email' | 'Phone' | 'TextArea' | 'LongTextArea' | 'Percent' | 'Currency';
  label?: string;
  length?: number;
  precision?: number;
  scale?: number;
  defaultValue?: boolean;
  values?: string[];
  restricted?: boolean;
}

export interface SalesforceFake {
  /** http://127.0.0.1:<port> — login host and instance_url */
  url: string;
  orgId: string;
  userId: string;
  clientId: string;
  clientSecret: string;
  /** two more active users (sales reps) usable as OwnerId */
  ownerIds: string[];
  close(): Promise<void>;
  addRecord(type: string, fields: Record<string, unknown>, opts?: { createdAt?: Date }): FakeRecord;
  addRecords(type: string, n: number, make?: (i: number) => Record<string, unknown>, opts?: { createdAt?: Date }): FakeRecord[];
  getRecord(id: string): FakeRecord | undefined;
  records(type: string): FakeRecord[];
  /** "a person edited it": no validation, bumps LastModifiedDate/SystemModstamp, LastModifiedById = a rep */
  updateRecord(id: string, fields: Record<string, unknown>): void;
  deleteRecord(id: string): void;
  fieldNames(type: string): string[];
  visibleFields(type: string): string[];
  /** test helper: a custom field as the Metadata API would create it; `grant` (default true) also gives the
   * connected user read/edit FLS through a helper permission set */
  addCustomField(fullName: string, spec: CustomFieldSpec, opts?: { grant?: boolean }): void;
  issueAuthCode(redirectUri: string, codeChallenge?: string): string;
  /** test helper: a token pair without the browser flow */
  issueTokens(): { accessToken: string; refreshToken: string };
  expireAccessTokens(): void;
  /** revokes every refresh token and the access tokens issued from them */
  revokeRefreshTokens(): void;
  setApiUsage(used: number): void;
  apiUsage(): { used: number; limit: number };
  inject(fault: Fault): void;
  injectRecordError(id: string, statusCode: string, times: number): void;
  requests: FakeRequest[];
  resetRequests(): void;
  /** the Outbound Message XML for these records as they are now */
  outboundMessage(type: 'Contact' | 'Lead', ids: string[], fields?: string[], opts?: { sessionId?: boolean }): string;
  /** POST an Outbound Message to a listener as Salesforce does; returns the listener's answer */
  sendOutboundMessage(
    endpoint: string,
    type: 'Contact' | 'Lead',
    ids: string[],
    fields?: string[],
    opts?: { sessionId?: boolean },
  ): Promise<{ status: number; body: string }>;
}

function classify(path: string): RequestKind {
  if (path.startsWith('/services/oauth2/')) return 'oauth';
  if (path.startsWith('/id/')) return 'identity';
  if (path.startsWith('/services/Soap/m/')) return 'metadata';
  if (path.startsWith('/services/Soap/')) return 'soap';
  return 'rest';
}

const AUDIT_FIELDS = ['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'CreatedById', 'LastModifiedById', 'IsDeleted'];

export async function startSalesforceFake(options: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const clientId = options.clientId ?? 'sf-client-id';
  const clientSecret = options.clientSecret ?? 'sf-client-secret';
  const orgId = options.orgId ?? '00D000000000001AAA';
  const userId = options.userId ?? '005000000000001AAA';
  const latencyMs = options.latencyMs ?? 0;
  const metadataAllowed = options.metadataAllowed ?? true;
  let baseUrl = '';

  const state = new OrgState({ orgId, userId });
  const usage = new ApiUsage(options.dailyApiLimit ?? 15000);
  const oauth = new OAuthServer(state, {
    clientId,
    clientSecret,
    redirectUris: options.redirectUris ?? [],
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    url: () => baseUrl,
  });
  const rest = new RestApi(state, oauth, usage, () => baseUrl);
  const metadata = new MetadataApi(state, oauth, usage, () => metadataAllowed);

  // users: the connected integration user and two reps who own records
  const stamp = formatDateTime(state.clock.now());
  state.insert(
    'User',
    { Username: 'integration@crm-enrich.fake', FirstName: 'Integration', LastName: 'User', Email: 'integration@crm-enrich.fake', Alias: 'integ', IsActive: true, TimeZoneSidKey: 'GMT', UserType: 'Standard' },
    { id: userId, stamp, byUserId: userId },
  );
  const ownerIds = [
    ['Alice', 'Rep', 'arep'],
    ['Bob', 'Seller', 'bsell'],
  ].map(([first, last, alias]) =>
    state.insert(
      'User',
      { Username: `${alias}@crm-enrich.fake`, FirstName: first ?? null, LastName: last ?? null, Email: `${alias}@crm-enrich.fake`, Alias: alias ?? null, IsActive: true, TimeZoneSidKey: 'GMT', UserType: 'Standard' },
      { stamp, byUserId: userId },
    ).Id,
  );

  const requests: FakeRequest[] = [];
  const faults: Fault[] = [];
  const hung = new Set<ServerResponse>();

  function takeFault(method: string, path: string, full: string): Fault | undefined {
    const i = faults.findIndex(
      (f) => f.times > 0 && (!f.method || f.method.toUpperCase() === method) && (f.path.test(path) || f.path.test(full)),
    );
    if (i < 0) return undefined;
    const f = faults[i];
    if (!f) return undefined;
    f.times -= 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  function route(ctx: Ctx): HttpResult {
    const path = ctx.url.pathname;
    if (ctx.log.kind === 'oauth') return oauth.handle(ctx);
    if (ctx.log.kind === 'identity') {
      const m = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})\/?$/.exec(path);
      if (!m || ctx.method !== 'GET') return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Bad_Id' };
      return oauth.identity(ctx, m[1] ?? '', m[2] ?? '');
    }
    if (ctx.log.kind === 'metadata') {
      if (!/^\/services\/Soap\/m\/\d{2}\.\d\/?(?:[A-Za-z0-9]{15,18})?$/.test(path)) return soapFault('Client', 'No service available at this address', 'soapenv');
      return metadata.handle(ctx);
    }
    if (ctx.log.kind === 'soap') {
      return soapFault('UNSUPPORTED_API_VERSION', 'The Salesforce fake only implements the Metadata SOAP API (/services/Soap/m)');
    }
    if (path === '/services/data' || path === '/services/data/') {
      if (ctx.method !== 'GET') return json(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${ctx.method}' not allowed. Allowed are GET,HEAD` }]);
      return rest.versions();
    }
    const m = /^\/services\/data\/v(\d{2}\.\d)(\/.*)?$/.exec(path);
    if (m) return rest.handle(ctx, m[1] ?? '', m[2] ?? '');
    return json(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  }

  function write(res: ServerResponse, log: FakeRequest, result: HttpResult): void {
    const headers: Record<string, string> = { ...(result.headers ?? {}) };
    if (log.kind === 'rest' || log.kind === 'soap' || log.kind === 'metadata') headers['Sforce-Limit-Info'] = usage.header();
    log.status = result.status;
    res.writeHead(result.status, headers);
    res.end(result.body ?? '');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const log: FakeRequest = { at: new Date(), method, path: url.pathname, status: 0, kind: classify(url.pathname), countsTowardLimit: false };
    if (url.search) log.query = Object.fromEntries(url.searchParams);
    const callOptions = req.headers['sforce-call-options'];
    if (typeof callOptions === 'string') log.callOptions = callOptions;
    requests.push(log);
    if (latencyMs > 0) await sleep(latencyMs);
    const fault = takeFault(method, url.pathname, url.pathname + url.search);
    if (fault) {
      log.injected = true;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.hang) {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      const b = fault.body;
      const result: HttpResult =
        b === undefined
          ? { status: fault.status, headers: {}, body: '' }
          : typeof b === 'string'
            ? { status: fault.status, headers: { 'content-type': b.trimStart().startsWith('<') ? 'text/html' : 'text/plain' }, body: b }
            : json(fault.status, b);
      write(res, log, result);
      return;
    }
    const ctx: Ctx = { method, url, headers: req.headers, body, log };
    let result: HttpResult;
    try {
      result = route(ctx);
    } catch (e) {
      result = json(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: `Salesforce fake crashed: ${e instanceof Error ? e.stack : String(e)}` }]);
    }
    write(res, log, result);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const copy = (r: FakeRecord): FakeRecord => ({ ...r });

  function addRecordAt(type: string, fields: Record<string, unknown>, recStamp: string | undefined): FakeRecord {
    const values = state.coerceForHelper(type, fields);
    const audit: Record<string, SfValue> = {};
    for (const k of AUDIT_FIELDS) {
      if (k in values) {
        audit[k] = values[k] ?? null;
        delete values[k];
      }
    }
    const o = state.object(type);
    const rec = state.insert(type, values, recStamp ? { createdAt: recStamp } : {});
    Object.assign(rec, audit);
    if (o?.name === 'Lead' && rec['IsConverted'] === true && rec['ConvertedDate'] === null) rec['ConvertedDate'] = String(rec['CreatedDate']).slice(0, 10);
    return rec;
  }

  const defaultMake = (type: string) => (i: number): Record<string, unknown> => {
    const t = type.toLowerCase();
    if (t === 'contact') return { FirstName: `First${i}`, LastName: `Last${i}`, Email: `contact${i}@example.com` };
    if (t === 'lead') return { FirstName: `Lead${i}`, LastName: `Person${i}`, Email: `lead${i}@example.com`, Company: `Company ${i}` };
    if (t === 'account') return { Name: `Account ${i}` };
    return {};
  };

  const fake: SalesforceFake = {
    url: baseUrl,
    orgId,
    userId,
    clientId,
    clientSecret,
    ownerIds,
    requests,
    async close() {
      for (const res of hung) res.destroy();
      hung.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    addRecord(type, fields, opts) {
      return copy(addRecordAt(type, fields, opts?.createdAt ? formatDateTime(opts.createdAt) : undefined));
    },
    addRecords(type, n, make, opts) {
      const mk = make ?? defaultMake(type);
      // one batch = one "transaction": the records share their timestamps, as a bulk import would
      const batchStamp = formatDateTime(opts?.createdAt ?? state.clock.now());
      const out: FakeRecord[] = [];
      for (let i = 0; i < n; i++) out.push(copy(addRecordAt(type, mk(i), batchStamp)));
      return out;
    },
    getRecord(id) {
      const r = state.get(id);
      return r ? copy(r) : undefined;
    },
    records(type) {
      return [...state.recordMap(type).values()].map(copy);
    },
    updateRecord(id, fields) {
      const type = state.typeOf(id);
      if (!type) throw new Error(`Salesforce fake: no record ${id}`);
      const values = state.coerceForHelper(type, fields);
      const rec = state.get(id);
      const owner = rec?.['OwnerId'];
      const editor = typeof owner === 'string' && idKey(owner) !== idKey(userId) ? owner : (ownerIds[0] ?? userId);
      state.patch(id, values, { byUserId: editor });
      if (type === 'Lead' && values['IsConverted'] === true && rec && rec['ConvertedDate'] === null) {
        rec['ConvertedDate'] = new Date().toISOString().slice(0, 10);
      }
    },
    deleteRecord(id) {
      if (!state.get(id)) throw new Error(`Salesforce fake: no record ${id}`);
      state.softDelete(id, { byUserId: ownerIds[0] ?? userId });
    },
    fieldNames(type) {
      const o = state.object(type);
      if (!o) throw new Error(`Salesforce fake: unknown sObject type '${type}'`);
      return [...o.fields.values()].map((f) => f.name);
    },
    visibleFields(type) {
      return [...state.fieldAccess(type, userId).values()].map((a) => a.def.name);
    },
    addCustomField(fullName, spec, opts) {
      const raw: Record<string, unknown> = { '@_type': 'CustomField', fullName, label: spec.label ?? fullName.split('.')[1]?.replace(/__c$/, '').replace(/_/g, ' ') ?? fullName, type: spec.type };
      if (spec.length !== undefined) raw['length'] = String(spec.length);
      else if (spec.type === 'Text') raw['length'] = '255';
      else if (spec.type === 'LongTextArea') raw['length'] = '32768';
      if (spec.type === 'LongTextArea') raw['visibleLines'] = '3';
      if (spec.precision !== undefined || ['Number', 'Percent', 'Currency'].includes(spec.type)) raw['precision'] = String(spec.precision ?? 18);
      if (spec.scale !== undefined) raw['scale'] = String(spec.scale);
      if (spec.type === 'Checkbox') raw['defaultValue'] = String(spec.defaultValue ?? false);
      if (spec.type === 'Picklist') {
        raw['valueSet'] = {
          restricted: String(spec.restricted ?? false),
          valueSetDefinition: { value: (spec.values ?? []).map((v) => ({ fullName: v, label: v, default: 'false' })) },
        };
      }
      const res = metadata.saveCustomFieldRaw(raw, fullName);
      if (!res.success) throw new Error(`Salesforce fake: addCustomField ${fullName}: ${res.errors.map((e) => e.message).join('; ')}`);
      if (opts?.grant === false) return;
      metadata.grantFieldAccess(res.fullName, userId);
    },
    issueAuthCode(redirectUri, codeChallenge) {
      return oauth.issueAuthCode(redirectUri, codeChallenge);
    },
    issueTokens() {
      return oauth.issueTokens();
    },
    expireAccessTokens() {
      oauth.expireAccessTokens();
    },
    revokeRefreshTokens() {
      oauth.revokeRefreshTokens();
    },
    setApiUsage(used) {
      usage.used = used;
    },
    apiUsage() {
      return { used: usage.used, limit: usage.limit };
    },
    inject(fault) {
      faults.push({ ...fault });
    },
    injectRecordError(id, statusCode, times) {
      state.injectRecordError(id, statusCode, times);
    },
    resetRequests() {
      requests.length = 0;
    },
    outboundMessage(type, ids, fields, opts) {
      const notifications = ids.map((id) => {
        const r = state.get(id);
        if (!r || state.typeOf(id) !== type) throw new Error(`Salesforce fake: no ${type} ${id}`);
        const names = fields ?? [...state.fieldAccess(type, userId).values()].map((a) => a.def.name);
        const sObject: { type: 'Contact' | 'Lead'; Id: string; [k: string]: unknown } = { type, Id: r.Id };
        for (const f of names) if (f !== 'Id') sObject[f] = r[f] ?? null;
        return { id: state.ids.next('04l'), sObject };
      });
      return buildOutboundMessage({
        orgId,
        actionId: '04k000000000001AAA',
        sessionId: opts?.sessionId ? oauth.issueTokens().accessToken : null,
        enterpriseUrl: `${baseUrl}/services/Soap/c/62.0/${orgId.slice(0, 15)}`,
        partnerUrl: `${baseUrl}/services/Soap/u/62.0/${orgId.slice(0, 15)}`,
        notifications,
      });
    },
    async sendOutboundMessage(endpoint, type, ids, fields, opts) {
      const payload = fake.outboundMessage(type, ids, fields, opts);
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', 'user-agent': 'Jakarta Commons-HttpClient/3.1' },
        body: payload,
        signal: AbortSignal.timeout(60_000),
      });
      return { status: res.status, body: await res.text() };
    },
  };
  return fake;
}
