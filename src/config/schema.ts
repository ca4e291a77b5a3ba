// One schema for every environment variable (each documented in the README, "Configuration", and in config/.env.example).
// Only src/config reads process.env; everything else receives a parsed Config.
import { z } from 'zod';

const PROVIDER_NAMES = ['dataset', 'peopledatalabs', 'apollo'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const url = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  .transform((s) => s.replace(/\/+$/, ''));

const optionalSecret = z.string().trim().min(1).optional();

export const EnvSchema = z
  .object({
    PORT: intFrom(0, 65535).default(3000),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PUBLIC_URL: url.optional(),
    DATABASE_PATH: z.string().trim().min(1).default('./data/crm-enrich.db'),
    /** PostgreSQL instead of the SQLite file; its `options=-c search_path=<schema>` may pick a schema. */
    DATABASE_URL: z
      .string()
      .trim()
      .optional()
      .transform((s) => (s ? s : undefined))
      .refine((s) => s === undefined || /^postgres(ql)?:\/\/[^\s]+$/i.test(s), 'must be a postgres:// URL'),
    ENCRYPTION_KEY: optionalSecret,
    ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ENRICH_PROVIDERS: z
      .string()
      .default('dataset,peopledatalabs,apollo')
      .transform((s) => s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
      .pipe(
        z
          .array(z.enum(PROVIDER_NAMES, { message: `providers are ${PROVIDER_NAMES.join(', ')}` }))
          .refine((a) => new Set(a).size === a.length, 'a provider is listed twice'),
      ),
    ENRICH_MIN_CONFIDENCE: intFrom(0, 100).default(0),
    PDL_API_KEY: optionalSecret,
    PDL_BASE_URL: url.default('https://api.peopledatalabs.com'),
    /** PDL counts requests per API key in a fixed 60-s window: 100/min on free plans, 1,000/min on paid ones. */
    PDL_REQUESTS_PER_MINUTE: intFrom(1, 1_000_000).default(100),
    /** Records per PDL bulk call (PDL takes 1–100). */
    PDL_BULK_SIZE: intFrom(1, 100).default(50),
    APOLLO_API_KEY: optionalSecret,
    /** Apollo's enrichment endpoints on its Free plan: 50 requests a minute (fixed window); 1,000 on paid plans. */
    APOLLO_REQUESTS_PER_MINUTE: intFrom(1, 1_000_000).default(50),
    APOLLO_BASE_URL: url.default('https://api.apollo.io'),
    PROVIDER_TIMEOUT_MS: intFrom(1, 600_000).default(10_000),
    CACHE_TTL_DAYS: intFrom(0, 3650).default(7),
    API_RATE_LIMIT_PER_MINUTE: intFrom(0, 10_000_000).default(600),
    JOB_CHANGE_WINDOW_DAYS: intFrom(1, 3650).default(90),
    JOB_CHANGE_CLEAR_FLAGS: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),
    HUBSPOT_CLIENT_ID: optionalSecret,
    HUBSPOT_CLIENT_SECRET: optionalSecret,
    HUBSPOT_SCOPES: z
      .string()
      .trim()
      .min(1)
      .default('oauth crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write'),
    HUBSPOT_OPTIONAL_SCOPES: z.string().trim().default(''),
    HUBSPOT_AUTHORIZE_URL: url.default('https://app.hubspot.com/oauth/authorize'),
    HUBSPOT_API_BASE_URL: url.default('https://api.hubapi.com'),
    HUBSPOT_RATE_LIMIT_PER_10S: intFrom(1, 1000).default(100),
    HUBSPOT_SEARCH_PER_SECOND: intFrom(1, 100).default(4),
    SALESFORCE_CLIENT_ID: optionalSecret,
    SALESFORCE_CLIENT_SECRET: optionalSecret,
    SALESFORCE_LOGIN_URL: url.default('https://login.salesforce.com'),
    SALESFORCE_API_VERSION: z.string().trim().regex(/^\d{2,3}\.0$/, 'must look like 62.0').default('62.0'),
    SALESFORCE_API_BUDGET_PERCENT: intFrom(1, 100).default(80),
    METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
    // Slow or idle clients must not hold sockets: Node's own defaults (300 s per request, no connection cap)
    // let a client sending one byte at a time keep a connection for minutes.
    HTTP_HEADERS_TIMEOUT_MS: intFrom(1_000, 120_000).default(10_000),
    HTTP_REQUEST_TIMEOUT_MS: intFrom(1_000, 600_000).default(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intFrom(1_000, 600_000).default(5_000),
    HTTP_MAX_CONNECTIONS: intFrom(0, 1_000_000).default(1_000),
    WORKER_CONCURRENCY: intFrom(1, 64).default(2),
    ENRICH_CONCURRENCY: intFrom(1, 64).default(8),
  })
  // Every node decrypts the tokens the others stored: a key file generated on one machine would strand the rest.
  .refine((e) => !e.DATABASE_URL || !!e.ENCRYPTION_KEY, {
    message: 'is required with DATABASE_URL: every node needs the same key (copy it from <db folder>/encryption.key when moving an install)',
    path: ['ENCRYPTION_KEY'],
  })
  .refine((e) => e.HTTP_HEADERS_TIMEOUT_MS <= e.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  })
  .transform((e) => ({ ...e, PUBLIC_URL: e.PUBLIC_URL ?? servedUrl(e.HOST, e.PORT) }));

/**
 * The default PUBLIC_URL: the address actually served, under one name that the banner, the admin page, the OAuth
 * redirect and the session cookie all use. The default HOST (127.0.0.1) and a wildcard HOST (the Docker image's
 * 0.0.0.0) are reached as `localhost`, the documented default `http://localhost:$PORT`; any other HOST as itself.
 * A page opened on another local name than this one gets a clear message at Connect (connectHostProblem).
 */
const LOCALHOST_HOSTS = new Set(['127.0.0.1', '0.0.0.0', '::', '[::]']);

export function servedUrl(host: string, port: number): string {
  const h = LOCALHOST_HOSTS.has(host) ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export type Config = z.infer<typeof EnvSchema>;
