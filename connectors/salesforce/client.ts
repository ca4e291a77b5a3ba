// The only jsforce user. One Connection per session; every call goes through `call()`, which checks the API
// budget, reads Sforce-Limit-Info, reports the call and maps jsforce's errors to the lib error types. Callers get
// the connector's own types (schemas.ts), never jsforce's.
import { Connection } from 'jsforce';
import type { z } from 'zod';
import type { ApiUsage, ApiUsageStore, TokenSet, TokenStore } from '../types.js';
import { createMemoryApiUsageStore } from '../../src/lib/call-window.js';
import { BudgetExhaustedError, NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Logger } from '../../src/lib/logger.js';
import { scrub } from '../../src/lib/logger.js';
import { refreshTokens, type OAuthConfig } from './oauth.js';
import {
  DescribeResult,
  MetadataSaveResults,
  QueryResult,
  RetrieveResults,
  SaveResult,
  SaveResults,
  type MetadataSaveResult,
  type SfRecord,
} from './schemas.js';
import type { Soql } from './soql.js';

export interface CallOpts {
  /** Background work is paused when the org's API budget is spent; an admin's provisioning is not. */
  background?: boolean;
}

export interface SfClientOptions {
  oauth: OAuthConfig;
  apiVersion: string;
  tokens: TokenStore;
  budget: ApiBudget;
  log: Logger;
  clock: Clock;
  onCall?: ((operation: string, status: string) => void) | undefined;
  timeoutMs?: number;
}

/** Per-org API budget, shared by every session of the org in this process, and by every process when the usage
 * store is shared (the database): the last known usage and the pause it causes are the store's. */
export class ApiBudget {
  constructor(
    private readonly percent: number,
    private readonly waitMs: number,
    private readonly clock: Clock,
    private readonly store: ApiUsageStore = createMemoryApiUsageStore(),
    /** The org's key in the store. */
    private readonly key = 'salesforce',
  ) {}

  observe(u: ApiUsage): void {
    this.store.save(this.key, { used: u.used, limit: u.limit, at: this.clock.now() });
  }

  /** REQUEST_LIMIT_EXCEEDED: the allocation is gone even if no header told us so. */
  exhausted(): void {
    const limit = this.store.load(this.key)?.limit ?? 1;
    this.store.save(this.key, { used: limit, limit, at: this.clock.now() });
  }

  usage(): ApiUsage | null {
    const l = this.store.load(this.key);
    return l ? { used: l.used, limit: l.limit } : null;
  }

  /** Throws while the last known usage is over budget. After `waitMs` one call is let through as a probe: usage
   * only becomes known again from a response header, and the rolling 24 h window frees calls over time. */
  check(): void {
    const l = this.store.load(this.key);
    if (!l || l.limit <= 0 || (l.used / l.limit) * 100 < this.percent) return;
    const age = this.clock.now() - l.at;
    if (age >= this.waitMs) return;
    throw new BudgetExhaustedError(`Salesforce API budget used: ${l.used}/${l.limit} calls (pause at ${this.percent}%)`, this.waitMs - age);
  }
}

const REFRESH_LOOP_WINDOW_MS = 60_000;
const REFRESH_LOOP_MAX = 3;
const RETRYABLE_CODES: Record<string, number> = {
  UNABLE_TO_LOCK_ROW: 2_000,
  SERVER_UNAVAILABLE: 30_000,
  UNKNOWN_EXCEPTION: 30_000,
  REQUEST_RUNNING_TOO_LONG: 60_000,
  QUERY_TIMEOUT: 5 * 60_000,
  INVALID_QUERY_LOCATOR: 0,
};

export class SfClient {
  private conn: Connection | null = null;
  private lastRefreshError: Error | null = null;
  private refreshes: number[] = [];
  private seenLimitInfo: object | null = null;

  constructor(private readonly opts: SfClientOptions) {}

  apiUsage(): ApiUsage | null {
    return this.opts.budget.usage();
  }

  async query(q: Soql, p: { batchSize?: number } & CallOpts = {}): Promise<QueryResult> {
    return this.call('query', { method: 'GET', url: `/query?q=${encodeURIComponent(q.text)}`, headers: batchHeader(p.batchSize) }, QueryResult, p);
  }

  /** `nextRecordsUrl` must be the path Salesforce returned; anything else could point the token elsewhere. */
  async queryMore(nextRecordsUrl: string, p: { batchSize?: number } & CallOpts = {}): Promise<QueryResult> {
    if (!/^\/services\/data\/v\d+\.\d\/query\/[A-Za-z0-9-]+$/.test(nextRecordsUrl)) {
      throw new NonRetryableError('salesforce_bad_cursor', 'not a Salesforce query locator');
    }
    return this.call('query_more', { method: 'GET', url: nextRecordsUrl, headers: batchHeader(p.batchSize) }, QueryResult, p);
  }

  async describe(sobject: string, p: CallOpts = {}): Promise<DescribeResult> {
    return this.call('describe', { method: 'GET', url: `/sobjects/${encodeURIComponent(sobject)}/describe` }, DescribeResult, p);
  }

  /** POST /composite/sobjects/{T}: up to 2,000 ids; missing or deleted ids come back as null. */
  async retrieve(sobject: string, ids: string[], fields: string[], p: CallOpts = {}): Promise<(SfRecord | null)[]> {
    const req = { method: 'POST' as const, url: `/composite/sobjects/${encodeURIComponent(sobject)}`, body: { ids, fields } };
    return this.call('retrieve', req, RetrieveResults, p);
  }

  /** PATCH /composite/sobjects, ≤200 records, allOrNone false: one result per record, in order. */
  async updateMany(records: SfRecord[], p: CallOpts = {}): Promise<SaveResult[]> {
    if (records.length > 200) throw new NonRetryableError('salesforce_too_many_records', 'a collection write takes at most 200 records');
    return this.call('update', { method: 'PATCH', url: '/composite/sobjects', body: { allOrNone: false, records } }, SaveResults, p);
  }

  /** DELETE /composite/sobjects?ids=…&allOrNone=false, ≤200 ids: one result per id, in order. */
  async deleteMany(ids: string[], p: CallOpts = {}): Promise<SaveResult[]> {
    if (ids.length > 200) throw new NonRetryableError('salesforce_too_many_records', 'a collection delete takes at most 200 records');
    const url = `/composite/sobjects?ids=${ids.map(encodeURIComponent).join(',')}&allOrNone=false`;
    return this.call('delete', { method: 'DELETE', url }, SaveResults, p);
  }

  /** POST /sobjects/{T}: never retried here (a retry could create a second record). */
  async create(sobject: string, record: SfRecord, p: CallOpts = {}): Promise<SaveResult> {
    return this.call('create', { method: 'POST', url: `/sobjects/${encodeURIComponent(sobject)}`, body: record }, SaveResult, p);
  }

  /** Metadata API upsert; the caller keeps chunks ≤10 and one type per call. A failed component does not throw. */
  async metadataUpsert(type: 'CustomField' | 'PermissionSet', components: { fullName: string }[], p: CallOpts = {}): Promise<MetadataSaveResult[]> {
    if (components.length > 10) throw new NonRetryableError('salesforce_too_many_components', 'the Metadata API takes at most 10 components per call');
    return this.run('metadata_upsert', p, async (conn) => {
      const widened: string = type; // the string overload keeps jsforce's deep metadata types out of our code
      const res: unknown = await conn.metadata.upsert(widened, components);
      return parse(MetadataSaveResults, Array.isArray(res) ? res : [res], 'metadata_upsert');
    });
  }

  // ------------------------------------------------------------------ plumbing

  private async call<T>(
    operation: string,
    req: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: unknown; headers?: Record<string, string> },
    schema: z.ZodType<T>,
    p: CallOpts,
  ): Promise<T> {
    return this.run(operation, p, async (conn) => {
      const headers: Record<string, string> = { ...(req.headers ?? {}) };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      const raw: unknown = await conn.request<unknown>(
        { method: req.method, url: req.url, headers, ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}) },
        {
          timeout: this.opts.timeoutMs ?? 120_000,
          // jsforce retries GET on 5xx by default (5 times, up to 8 s apart); 2 keeps a job's latency bounded.
          // Never POST/PATCH: jsforce 3.10.26 re-sends the already consumed body stream, and undici throws
          // "Response body object should not be disturbed or locked" instead of retrying.
          retry: { maxRetries: 2, methods: ['GET'] },
        },
      );
      return parse(schema, raw, operation);
    });
  }

  private async run<T>(operation: string, p: CallOpts, fn: (conn: Connection) => Promise<T>): Promise<T> {
    if (p.background !== false) this.opts.budget.check();
    const conn = this.connection();
    try {
      const out = await fn(conn);
      this.observeLimits(conn);
      this.opts.onCall?.(operation, 'ok');
      return out;
    } catch (e) {
      this.observeLimits(conn);
      const mapped = this.mapError(e, operation);
      this.opts.onCall?.(operation, statusLabel(mapped));
      throw mapped;
    }
  }

  private connection(): Connection {
    if (this.conn) return this.conn;
    const t = this.opts.tokens.load();
    const o = this.opts.oauth;
    this.conn = new Connection({
      oauth2: { clientId: o.clientId, clientSecret: o.clientSecret, loginUrl: o.loginUrl },
      instanceUrl: t.instanceUrl ?? o.loginUrl,
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      version: this.opts.apiVersion,
      // Marks our writes (CDC changeOrigin, audit) so they can be told apart from a person's.
      callOptions: { client: 'crm-enrich' },
      refreshFn: (conn, cb) => {
        this.refresh(conn.accessToken ?? null).then(
          (next) => {
            // jsforce only sets accessToken after a custom refreshFn; host and rotated refresh token are ours to set.
            if (next.instanceUrl) conn.instanceUrl = next.instanceUrl;
            conn.refreshToken = next.refreshToken;
            cb(null, next.accessToken);
          },
          (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
        );
      },
    });
    return this.conn;
  }

  /** Single refresh per connection across processes (the store's lock); reuses a token another worker got. */
  private async refresh(failedToken: string | null): Promise<TokenSet> {
    // Wall time on purpose: jsforce's re-send loop runs in real time whatever the injected clock says.
    const now = Date.now();
    this.refreshes = this.refreshes.filter((t) => now - t < REFRESH_LOOP_WINDOW_MS);
    try {
      const next = await this.opts.tokens.withRefreshLock(async (current) => {
        if (failedToken !== null && current.accessToken !== failedToken) return current;
        // jsforce re-sends after each refresh without limit; a token refused at once would loop forever.
        if (this.refreshes.length >= REFRESH_LOOP_MAX) {
          throw new RetryAfterError('salesforce_refresh_loop', 'Salesforce keeps refusing freshly refreshed tokens', 5 * 60_000);
        }
        this.refreshes.push(now);
        // Returned to the store, which persists it (rotated refresh token included) before releasing the lock.
        return refreshTokens(this.opts.oauth, current);
      });
      this.lastRefreshError = null;
      this.opts.onCall?.('refresh', 'ok');
      return next;
    } catch (e) {
      const mapped = e instanceof Error ? e : new Error(String(e));
      this.lastRefreshError = mapped;
      this.opts.onCall?.('refresh', statusLabel(mapped));
      throw mapped;
    }
  }

  private observeLimits(conn: Connection): void {
    // jsforce replaces the object on each response carrying the header; identity tells a new reading from an old one.
    const li = conn.limitInfo;
    if (li === this.seenLimitInfo || !li.apiUsage) return;
    this.seenLimitInfo = li;
    this.opts.budget.observe({ used: li.apiUsage.used, limit: li.apiUsage.limit });
  }

  private mapError(e: unknown, operation: string): Error {
    if (e instanceof NonRetryableError || e instanceof RetryAfterError || e instanceof ReauthRequiredError || e instanceof BudgetExhaustedError) return e;
    const err = e instanceof Error ? e : new Error(String(e));
    const message = scrub(err.message);
    // jsforce wraps a failed refresh in a plain Error and drops the OAuth code; we kept the typed one.
    if (message.startsWith('Unable to refresh session')) {
      return this.lastRefreshError ?? new ReauthRequiredError('salesforce_refresh_failed', message, { cause: err });
    }
    const code = sfCode(err);
    const what = `Salesforce ${operation} failed: ${message}`;
    if (code === 'REQUEST_LIMIT_EXCEEDED') {
      this.opts.budget.exhausted();
      return new BudgetExhaustedError(`Salesforce API request limit exceeded (${operation})`, budgetWait(this.opts.budget));
    }
    if (code === 'INVALID_SESSION_ID' || code === 'invalid_grant') return new ReauthRequiredError('salesforce_invalid_session', what, { cause: err });
    if (code !== null && Object.hasOwn(RETRYABLE_CODES, code)) return new RetryAfterError(code, what, RETRYABLE_CODES[code] ?? 30_000, { cause: err });
    const http = code ? /^ERROR_HTTP_(\d{3})$/.exec(code) : null;
    if (http) {
      const status = Number(http[1]);
      if (status >= 500 || status === 429 || status === 420) return new RetryAfterError(`salesforce_http_${status}`, what, 30_000, { cause: err });
      return new NonRetryableError(`salesforce_http_${status}`, what, { cause: err });
    }
    if (err.name === 'AbortError' || err.name === 'TimeoutError' || err instanceof TypeError) {
      // undici reports network failures as TypeError('fetch failed') with the socket error as cause.
      return new RetryAfterError('salesforce_network', what, 30_000, { cause: err });
    }
    if (code !== null && /^[A-Z][A-Z_]+$/.test(code)) return new NonRetryableError(code, what, { cause: err });
    return new Error(what, { cause: err });
  }
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, operation: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new NonRetryableError('salesforce_unexpected_response', `Salesforce ${operation}: unexpected response shape (${r.error.issues[0]?.message ?? 'invalid'})`);
  return r.data;
}

function batchHeader(batchSize: number | undefined): Record<string, string> {
  return batchSize ? { 'Sforce-Query-Options': `batchSize=${batchSize}` } : {};
}

/** The API code of a jsforce error: `errorCode`/`name`, SOAP faults without their `sf:` prefix, first of several. */
function sfCode(err: Error): string | null {
  const withData = err as Error & { errorCode?: unknown; data?: unknown };
  let code = typeof withData.errorCode === 'string' ? withData.errorCode : err.name;
  if (code === 'MULTIPLE_API_ERRORS' && Array.isArray(withData.data)) {
    const first: unknown = withData.data[0];
    if (first && typeof first === 'object' && typeof (first as { errorCode?: unknown }).errorCode === 'string') code = (first as { errorCode: string }).errorCode;
  }
  if (!code || code === 'Error') return null;
  return code.replace(/^[A-Za-z]+:/, '');
}

function budgetWait(budget: ApiBudget): number {
  try {
    budget.check();
    return 15 * 60_000;
  } catch (e) {
    return e instanceof BudgetExhaustedError ? e.waitMs : 15 * 60_000;
  }
}

function statusLabel(e: Error): string {
  if (e instanceof BudgetExhaustedError) return 'budget_exhausted';
  if (e instanceof ReauthRequiredError) return 'reauth_required';
  if (e instanceof RetryAfterError) return 'retryable';
  if (e instanceof NonRetryableError) return 'failed';
  return 'error';
}
