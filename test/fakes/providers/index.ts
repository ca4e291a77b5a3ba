// A stateful local stand-in for People Data Labs and Apollo person enrichment, over real HTTP on 127.0.0.1.
// It enforces what the service must live with (docs/providers.md): a fixed request window per API key, 429s past
// it with the provider's own headers (PDL: x-ratelimit-limit / -remaining `{'minute': n}` / -reset in epoch
// seconds; Apollo: x-rate-limit-minute / x-minute-requests-left and retry-after), the bulk endpoints (PDL 1–100
// requests answered in order with per-record status; Apollo up to 10 `details` answered as `matches`, null where
// nobody matched), a latency per request, and it bills like the providers do: one credit per matched record.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProviderKind = 'pdl' | 'apollo';

export interface FakePerson {
  email?: string;
  linkedinSlug?: string;
  firstName: string;
  lastName: string;
  company: string;
  title: string;
}

export interface ProviderFakeOptions {
  kind: ProviderKind;
  apiKey?: string;
  /** Requests allowed per window and key (every call counts once, bulk or not). */
  limit: number;
  windowMs?: number;
  latencyMs?: number;
}

export interface ProviderFakeStats {
  /** Calls that reached the fake, by endpoint. */
  single: number;
  bulk: number;
  /** Calls answered 429. */
  rateLimited: number;
  /** Records looked up in answered calls (a 429 looks nothing up). */
  records: number;
  /** Records matched, i.e. billed by the provider. */
  billed: number;
  /** Largest number of calls answered (not 429) in any one window. */
  maxPerWindow: number;
}

export interface ProviderFake {
  url: string;
  apiKey: string;
  add(person: FakePerson): void;
  /**
   * Answer the next n calls 429 whatever the window says; they name `retryAfterMs` from now as the reset (PDL's
   * x-ratelimit-reset, Apollo's retry-after), default the window's own end.
   */
  rejectNext(n: number, retryAfterMs?: number): void;
  stats(): ProviderFakeStats;
  /** The lookups received, in arrival order (identifier params of each record). */
  lookups: Record<string, string>[];
  close(): Promise<void>;
}

const slugOf = (url: string) => /linkedin\.com\/in\/([^/?#]+)/i.exec(url)?.[1]?.toLowerCase();

export async function startProviderFake(opts: ProviderFakeOptions): Promise<ProviderFake> {
  const apiKey = opts.apiKey ?? `${opts.kind}-fake-key`;
  const windowMs = opts.windowMs ?? 60_000;
  const byEmail = new Map<string, FakePerson>();
  const bySlug = new Map<string, FakePerson>();
  const stats: ProviderFakeStats = { single: 0, bulk: 0, rateLimited: 0, records: 0, billed: 0, maxPerWindow: 0 };
  const lookups: Record<string, string>[] = [];
  let windowStart = 0;
  let used = 0;
  let reject = 0;
  let rejectAfterMs: number | undefined;

  /** Fixed window opened by the first request after the previous one ended (how Apollo describes its windows). */
  function admit(now: number): { ok: boolean; remaining: number; resetAt: number } {
    if (now >= windowStart + windowMs) {
      windowStart = now;
      used = 0;
    }
    const resetAt = windowStart + windowMs;
    if (reject > 0) {
      reject--;
      return { ok: false, remaining: 0, resetAt: rejectAfterMs === undefined ? resetAt : now + rejectAfterMs };
    }
    if (used >= opts.limit) return { ok: false, remaining: 0, resetAt };
    used++;
    stats.maxPerWindow = Math.max(stats.maxPerWindow, used);
    return { ok: true, remaining: opts.limit - used, resetAt };
  }

  function limitHeaders(w: { remaining: number; resetAt: number }, now: number): Record<string, string> {
    if (opts.kind === 'pdl') {
      return {
        'x-ratelimit-limit': `{'minute': ${opts.limit}}`,
        'x-ratelimit-remaining': `{'minute': ${w.remaining}}`,
        'x-ratelimit-reset': String(Math.ceil(w.resetAt / 1000)),
      };
    }
    return {
      'x-rate-limit-minute': String(opts.limit),
      'x-minute-requests-left': String(w.remaining),
      'x-minute-usage': String(opts.limit - w.remaining),
      ...(w.remaining === 0 ? { 'retry-after': String(Math.max(1, Math.ceil((w.resetAt - now) / 1000))) } : {}),
    };
  }

  function find(params: Record<string, unknown>): FakePerson | undefined {
    const email = typeof params['email'] === 'string' ? params['email'].toLowerCase() : undefined;
    const profile = params['profile'] ?? params['linkedin_url'];
    const slug = typeof profile === 'string' ? slugOf(profile) : undefined;
    return (email ? byEmail.get(email) : undefined) ?? (slug ? bySlug.get(slug) : undefined);
  }

  function record(params: Record<string, unknown>): FakePerson | undefined {
    stats.records++;
    lookups.push(Object.fromEntries(Object.entries(params).filter(([k, v]) => typeof v === 'string' && k !== 'min_likelihood')) as Record<string, string>);
    const p = find(params);
    if (p) stats.billed++;
    return p;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const key = req.headers['x-api-key'];
    if (key !== apiKey) return send(401, { error: { type: 'authentication_error', message: 'Invalid API key' } });
    const route = `${req.method} ${url.pathname}`;
    const known = ['GET /v5/person/enrich', 'POST /v5/person/bulk', 'POST /api/v1/people/match', 'POST /api/v1/people/bulk_match'];
    if (!known.includes(route) || (opts.kind === 'pdl') !== route.includes('/v5/')) return send(404, { error: 'no such route' });
    const isBulk = route.includes('bulk');
    if (isBulk) stats.bulk++;
    else stats.single++;
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const now = Date.now();
    const w = admit(now);
    const headers = limitHeaders(w, now);
    if (!w.ok) {
      stats.rateLimited++;
      const body = opts.kind === 'pdl'
        ? { status: 429, error: { type: 'rate_limit_error', message: 'An error occurred due to requests hitting the API too quick' } }
        : { message: 'The maximum number of api calls allowed for this endpoint per minute has been reached.' };
      return send(429, body, opts.kind === 'apollo' ? { ...headers, 'retry-after': String(Math.max(1, Math.ceil((w.resetAt - now) / 1000))) } : headers);
    }
    const body: unknown = text ? JSON.parse(text) : {};
    if (route === 'GET /v5/person/enrich') {
      const p = record(Object.fromEntries(url.searchParams));
      return p ? send(200, pdlEnvelope(p), headers) : send(404, pdlNotFound(), headers);
    }
    if (route === 'POST /v5/person/bulk') {
      const requests = (body as { requests?: { params: Record<string, unknown>; metadata?: unknown }[] }).requests;
      if (!Array.isArray(requests) || requests.length < 1 || requests.length > 100) {
        return send(400, { status: 400, error: { type: 'invalid_request_error', message: 'requests must hold 1-100 items' } }, headers);
      }
      const answers = requests.map((r) => {
        const p = record(r.params);
        const meta = r.metadata === undefined ? {} : { metadata: r.metadata };
        return p ? { ...pdlEnvelope(p), ...meta } : { ...pdlNotFound(), ...meta };
      });
      return send(200, answers, headers);
    }
    if (route === 'POST /api/v1/people/match') {
      const p = record(Object.fromEntries(url.searchParams));
      return send(200, { person: p ? apolloPerson(p) : null }, headers);
    }
    const details = (body as { details?: Record<string, unknown>[] }).details;
    if (!Array.isArray(details) || details.length < 1 || details.length > 10) return send(422, { error: 'details must hold 1-10 people' }, headers);
    const matches = details.map((d) => {
      const p = record(d);
      return p ? apolloPerson(p) : null;
    });
    return send(200, { status: 'success', matches, total_requested_enrichments: details.length, unique_enriched_records: matches.filter(Boolean).length }, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(err) }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    lookups,
    add(p) {
      if (p.email) byEmail.set(p.email.toLowerCase(), p);
      if (p.linkedinSlug) bySlug.set(p.linkedinSlug.toLowerCase(), p);
    },
    rejectNext(n, retryAfterMs) {
      reject += n;
      rejectAfterMs = retryAfterMs;
    },
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pdlNotFound() {
  return { status: 404, error: { type: 'not_found', message: 'No records were found matching your request' } };
}

/** A PDL person as PDL writes it: lowercase strings, URLs without a scheme, nulls for what it does not know. */
function pdlEnvelope(p: FakePerson) {
  return {
    status: 200,
    likelihood: 8,
    data: {
      full_name: `${p.firstName} ${p.lastName}`.toLowerCase(),
      first_name: p.firstName.toLowerCase(),
      last_name: p.lastName.toLowerCase(),
      work_email: p.email ?? null,
      linkedin_url: p.linkedinSlug ? `linkedin.com/in/${p.linkedinSlug}` : null,
      job_title: p.title.toLowerCase(),
      job_title_role: 'sales',
      job_title_levels: ['director'],
      job_company_name: p.company.toLowerCase(),
      job_start_date: '2021-03',
      experience: [
        { company: { name: p.company.toLowerCase() }, title: { name: p.title.toLowerCase(), role: null }, start_date: '2021-03', end_date: null, is_primary: true, summary: null },
      ],
      education: [],
      skills: [],
    },
  };
}

function apolloPerson(p: FakePerson) {
  return {
    first_name: p.firstName,
    last_name: p.lastName,
    name: `${p.firstName} ${p.lastName}`,
    email: p.email ?? null,
    email_status: p.email ? 'verified' : null,
    linkedin_url: p.linkedinSlug ? `http://www.linkedin.com/in/${p.linkedinSlug}` : null,
    title: p.title,
    seniority: 'director',
    departments: ['master_sales'],
    organization: { name: p.company, primary_domain: null, industry: null, estimated_num_employees: 120 },
    employment_history: [{ organization_name: p.company, title: p.title, start_date: '2021-03-01', end_date: null, current: true }],
  };
}
