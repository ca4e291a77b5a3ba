// Composition root: config → db → services → app → worker → scheduler; graceful stop.
// The CLI calls createServices() too, so the server and the command line are wired exactly alike.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { Config } from './config/load.js';
import { servedUrl } from './config/schema.js';
import { dialectOf, openStore, type Db } from './db/open.js';
import { redactUrl } from './db/url.js';
import { createAccountsRepo } from './db/accounts.repo.js';
import { createApiKeysRepo } from './db/api-keys.repo.js';
import { createProfileCacheRepo } from './db/cache.repo.js';
import { createLedgerRepo } from './db/ledger.repo.js';
import { createDatasetRepo } from './db/dataset.repo.js';
import { createSettingsRepo } from './db/settings.repo.js';
import { createEnricher, type Enricher } from './enrichment/enrich.js';
import { createDatasetProvider } from './enrichment/providers/dataset.js';
import { createPeopleDataLabsProvider } from './enrichment/providers/peopledatalabs.js';
import { createApolloProvider } from './enrichment/providers/apollo.js';
import type { Provider } from './enrichment/providers/types.js';
import { createLimiterRegistry } from './enrichment/providers/limiter.js';
import { createProviderWindowsRepo } from './db/provider-windows.repo.js';
import { createApiUsageRepo, createCallWindowsRepo } from './db/call-windows.repo.js';
import { createRateLimitsRepo } from './db/rate-limits.repo.js';
import { createCipher, generateEncryptionKey, hashPassword, parseEncryptionKey, randomToken, verifyPassword, type Cipher } from './lib/crypto.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import { systemClock, type Clock } from './lib/clock.js';
import { buildApp, buildProbeApp, type ServiceRole } from './app.js';
import { createRateLimiter } from './http/rate-limit.js';
import { webhookRoutes } from './http/webhooks.routes.js';
import { createConnectionsRepo } from './db/connections.repo.js';
import { createOAuthStatesRepo } from './db/oauth-states.repo.js';
import { createContactsRepo } from './db/contacts.repo.js';
import { createJobChangesRepo } from './db/job-changes.repo.js';
import { createAlertsRepo } from './db/alerts.repo.js';
import { createContactHistoryRepo } from './db/contact-history.repo.js';
import { createAlertService, RUN_ALERT } from './sync/alerts.js';
import { createSyncRunsRepo } from './db/sync-runs.repo.js';
import { createRunHistoryRepo, type RunHistoryRepo } from './db/run-history.repo.js';
import { createRevertService, type RevertService } from './sync/revert.js';
import { createAdminRepo } from './db/admin.repo.js';
import { createQueue, type Queue } from './jobs/queue.js';
import { createWorker, type Worker } from './jobs/worker.js';
import { createContextRegistry, type ContextRegistry } from './sync/context.js';
import { createPipeline, type Pipeline } from './sync/pipeline.js';
import { createTaskOutbox } from './sync/tasks.js';
import { createRunService, SYNC_RUN, type RunService } from './sync/runs.js';
import { createEstimator, type Estimator } from './sync/estimate.js';
import { createOwnerDirectory, type OwnerDirectory } from './sync/owners.js';
import { CONTACT_ENRICH, createContactEnrichHandler } from './sync/handlers.js';
import { createEarlierCharges } from './sync/earlier-charge.js';
import { createScheduler, type Scheduler } from './sync/schedules.js';
import { createInstallService, type InstallService } from './sync/install.js';
import { createOutboundEndpoints, type OutboundEndpoints } from './sync/outbound-endpoint.js';
import { createConnectionService, type ConnectionService } from './sync/connections.js';
import { adminRoutes } from './admin/routes.js';
import { createHubSpotConnector } from '../connectors/hubspot/index.js';
import { createSalesforceConnector } from '../connectors/salesforce/index.js';
import type { Connector, CrmKind } from '../connectors/types.js';

export interface Services {
  config: Config;
  db: Db;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  repos: {
    accounts: ReturnType<typeof createAccountsRepo>;
    apiKeys: ReturnType<typeof createApiKeysRepo>;
    cache: ReturnType<typeof createProfileCacheRepo>;
    ledger: ReturnType<typeof createLedgerRepo>;
    dataset: ReturnType<typeof createDatasetRepo>;
    settings: ReturnType<typeof createSettingsRepo>;
    connections: ReturnType<typeof createConnectionsRepo>;
    contacts: ReturnType<typeof createContactsRepo>;
    runs: ReturnType<typeof createSyncRunsRepo>;
    runHistory: RunHistoryRepo;
    admin: ReturnType<typeof createAdminRepo>;
    jobChanges: ReturnType<typeof createJobChangesRepo>;
    alerts: ReturnType<typeof createAlertsRepo>;
    contactHistory: ReturnType<typeof createContactHistoryRepo>;
    rateLimits: ReturnType<typeof createRateLimitsRepo>;
  };
  providers: Provider[];
  enricher: Enricher;
  connectors: Record<CrmKind, Connector>;
  queue: Queue;
  registry: ContextRegistry;
  runService: RunService;
  /** Undo a run (CLI `runs revert`, the run page's button). */
  revert: RevertService;
  /** A sync run's estimate (records, contacts to enrich, most credits) without enriching anything. */
  estimator: Estimator;
  /** Owner names of job-change tasks (the inbox, the contact view), cached per connection. */
  owners: OwnerDirectory;
  /** The enrichment pipeline (the admin page's dry run uses its preview). */
  pipeline: Pipeline;
  scheduler: Scheduler;
  install: InstallService;
  /** Salesforce connections' own Outbound Message URLs (show, rotate). */
  outboundEndpoints: OutboundEndpoints;
  /** Pause, resume, disconnect, delete, re-authorisation notes, settings saves: the admin pages and the CLI alike. */
  connectionOps: ConnectionService;
  /** A worker for every job kind (the server starts it; the CLI drains one run with it). */
  createWorker(opts?: { concurrency?: number; leaseMs?: number }): Worker;
  close(): void;
}

export interface ServiceOptions {
  log?: Logger | undefined;
  clock?: Clock;
  fetchImpl?: typeof fetch;
  /** Lease of claimed jobs (tests shorten it to simulate a crash and a quick restart). */
  leaseMs?: number;
  /** Per-call timeout of CRM API calls (tests shorten it to simulate a CRM that stops answering). */
  crmCallTimeoutMs?: number;
  /** Timeout of a job-change alert post (tests shorten it to simulate a receiver that never answers). */
  alertTimeoutMs?: number;
}

export function createServices(config: Config, opts: ServiceOptions = {}): Services {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL });
  const clock = opts.clock ?? systemClock;
  const dbPath = config.DATABASE_PATH === ':memory:' ? ':memory:' : resolve(config.DATABASE_PATH);
  const { db, hotDb } = openDatabases(config, dbPath);
  // Short in-process memos on the API's hot path (API keys, cache entries; bounded staleness, see memo.ts): in the
  // server, not in one-shot CLI handles.
  const memoize = hotDb !== db || dialectOf(db) === 'postgres';
  const cipher = createCipher(loadEncryptionKey(config, dbPath, log));
  const metrics = createMetrics();
  const repos = {
    accounts: createAccountsRepo(db, clock),
    apiKeys: createApiKeysRepo(hotDb, clock, { memoize }),
    cache: createProfileCacheRepo(hotDb, { memoize }),
    ledger: createLedgerRepo(hotDb),
    dataset: createDatasetRepo(db),
    settings: createSettingsRepo(db),
    connections: createConnectionsRepo(db, cipher, clock),
    contacts: createContactsRepo(db),
    runs: createSyncRunsRepo(db),
    runHistory: createRunHistoryRepo(db),
    admin: createAdminRepo(db),
    jobChanges: createJobChangesRepo(db),
    alerts: createAlertsRepo(db, cipher, clock),
    contactHistory: createContactHistoryRepo(db),
    // The API's per-key buckets on the hot handle: a take per request must not cost a disk sync.
    rateLimits: createRateLimitsRepo(hotDb),
  };
  // Provider windows on the hot handle: a take per provider call must not cost a disk sync.
  const providers = buildProviders(config, repos.dataset, createProviderWindowsRepo(hotDb), opts.fetchImpl);
  const enricher = createEnricher({
    providers,
    cache: repos.cache,
    credits: repos.ledger,
    clock,
    metrics,
    settings: {
      cacheTtlDays: config.CACHE_TTL_DAYS,
      jobChangeWindowDays: config.JOB_CHANGE_WINDOW_DAYS,
      providerTimeoutMs: config.PROVIDER_TIMEOUT_MS,
      minConfidence: config.ENRICH_MIN_CONFIDENCE,
      concurrency: config.ENRICH_CONCURRENCY,
    },
  });
  const connectors: Record<CrmKind, Connector> = {
    hubspot: createHubSpotConnector({
      clientId: config.HUBSPOT_CLIENT_ID,
      clientSecret: config.HUBSPOT_CLIENT_SECRET,
      scopes: config.HUBSPOT_SCOPES,
      optionalScopes: config.HUBSPOT_OPTIONAL_SCOPES,
      authorizeUrl: config.HUBSPOT_AUTHORIZE_URL,
      apiBaseUrl: config.HUBSPOT_API_BASE_URL,
      rateLimit: { max: config.HUBSPOT_RATE_LIMIT_PER_10S, windowMs: 10_000 },
      searchPerSecond: config.HUBSPOT_SEARCH_PER_SECOND,
      callTimeoutMs: opts.crmCallTimeoutMs,
      log,
      clock,
      onCall: (op, status) => metrics.crmCall('hubspot', op, status),
      // Per-portal windows in the database, on the hot handle like the provider windows: every node (and a CLI
      // sync) calling the portal counts against one window.
      callWindows: createCallWindowsRepo(hotDb),
    }),
    salesforce: createSalesforceConnector({
      clientId: config.SALESFORCE_CLIENT_ID,
      clientSecret: config.SALESFORCE_CLIENT_SECRET,
      loginUrl: config.SALESFORCE_LOGIN_URL,
      apiVersion: config.SALESFORCE_API_VERSION,
      budgetPercent: config.SALESFORCE_API_BUDGET_PERCENT,
      timeoutMs: opts.crmCallTimeoutMs,
      log,
      clock,
      onCall: (op, status) => metrics.crmCall('salesforce', op, status),
      // Each org's last known API usage in the database: a budget pause seen by one node holds back all of them.
      apiUsage: createApiUsageRepo(hotDb),
    }),
  };
  const queue = createQueue(db, { clock });
  const registry = createContextRegistry({ connections: repos.connections, accounts: repos.accounts, connectors, clock });
  const pipeline = createPipeline({
    enricher,
    contacts: repos.contacts,
    clock,
    jobChangeWindowDays: config.JOB_CHANGE_WINDOW_DAYS,
  });
  const outbox = createTaskOutbox({ contacts: repos.contacts, clock, log });
  const alertService = createAlertService({
    alerts: repos.alerts,
    jobChanges: repos.jobChanges,
    runs: repos.runs,
    connections: repos.connections,
    queue,
    log,
    publicUrl: config.PUBLIC_URL,
    fetchImpl: opts.fetchImpl,
    timeoutMs: opts.alertTimeoutMs,
  });
  // A contact reached by its own job and by a run is charged once, also when a node died between charge and commit.
  const earlierCharges = createEarlierCharges({ queue, runs: repos.runs, charged: (key) => repos.ledger.findByIdempotencyKey(key) !== undefined });
  const runService = createRunService({
    afterRun: alertService.afterRun,
    earlierCharges,
    queue,
    runs: repos.runs,
    contacts: repos.contacts,
    registry,
    pipeline,
    outbox,
    clock,
    log,
    cacheTtlDays: config.CACHE_TTL_DAYS,
  });
  const scheduler = createScheduler({ runs: repos.runs, connections: repos.connections, runService, clock, log });
  const connectionOps = createConnectionService({ connections: repos.connections, connectors, registry, log });
  const install = createInstallService({
    connectors,
    states: createOAuthStatesRepo(db, cipher),
    accounts: repos.accounts,
    connections: repos.connections,
    runs: repos.runs,
    registry,
    connectionOps,
    scheduler,
    publicUrl: config.PUBLIC_URL,
    clock,
    log,
  });
  const handlers = {
    [CONTACT_ENRICH]: createContactEnrichHandler({ registry, pipeline, outbox, earlierCharges }),
    [SYNC_RUN]: runService.handler,
    [RUN_ALERT]: alertService.handler,
  };
  metrics.gauge('jobs', 'Jobs by state', ['state'], () =>
    Object.entries(queue.counts())
      .filter(([, n]) => n > 0)
      .map(([state, n]) => ({ labels: { state }, value: n })),
  );

  return {
    config,
    db,
    log,
    clock,
    metrics,
    repos,
    providers,
    enricher,
    connectors,
    queue,
    registry,
    runService,
    revert: createRevertService({ runs: repos.runs, history: repos.runHistory, connections: repos.connections, registry, clock, log }),
    estimator: createEstimator({ contacts: repos.contacts, runs: repos.runs, registry, runService, clock }),
    owners: createOwnerDirectory({ registry, clock, log }),
    pipeline,
    scheduler,
    install,
    outboundEndpoints: createOutboundEndpoints({ connections: repos.connections, publicUrl: config.PUBLIC_URL }),
    connectionOps,
    createWorker: (o = {}) =>
      createWorker({
        queue,
        handlers,
        log,
        concurrency: o.concurrency ?? config.WORKER_CONCURRENCY,
        leaseMs: o.leaseMs ?? opts.leaseMs ?? 30_000,
        onJobFinished: (name, outcome) => metrics.jobFinished(name, outcome),
        onReauthNeeded: (connectionId, reason) => connectionOps.markReauthNeeded(connectionId, reason),
      }),
    close: () => {
      if (hotDb !== db) hotDb.close();
      db.close();
    },
  };
}

function buildProviders(
  config: Config,
  dataset: ReturnType<typeof createDatasetRepo>,
  windows: ReturnType<typeof createProviderWindowsRepo>,
  fetchImpl?: typeof fetch,
): Provider[] {
  // One limiter per provider and API key, its window in the database: the API, every sync and every other process
  // on this database share it.
  const limiters = createLimiterRegistry({ storeFor: windows.storeFor });
  const fetchOpt = fetchImpl ? { fetchImpl } : {};
  return config.ENRICH_PROVIDERS.map((name) => {
    switch (name) {
      case 'dataset':
        return createDatasetProvider(dataset);
      case 'peopledatalabs':
        return createPeopleDataLabsProvider({
          apiKey: config.PDL_API_KEY,
          baseUrl: config.PDL_BASE_URL,
          bulkSize: config.PDL_BULK_SIZE,
          limiter: config.PDL_API_KEY ? limiters.get(name, config.PDL_API_KEY, config.PDL_REQUESTS_PER_MINUTE) : undefined,
          ...fetchOpt,
        });
      case 'apollo':
        return createApolloProvider({
          apiKey: config.APOLLO_API_KEY,
          baseUrl: config.APOLLO_BASE_URL,
          limiter: config.APOLLO_API_KEY ? limiters.get(name, config.APOLLO_API_KEY, config.APOLLO_REQUESTS_PER_MINUTE) : undefined,
          ...fetchOpt,
        });
    }
  });
}

/**
 * The service's handles: PostgreSQL when DATABASE_URL is set (one connection: the process waits for each answer,
 * so a second one would add nothing), else the SQLite file twice — the second handle serves the API's hot path
 * without a disk sync per request (see openDb).
 */
function openDatabases(config: Config, dbPath: string): { db: Db; hotDb: Db } {
  const store = { url: config.DATABASE_URL, path: dbPath };
  const db = openStore(store);
  return { db, hotDb: config.DATABASE_URL || dbPath === ':memory:' ? db : openStore(store, { synchronous: 'NORMAL' }) };
}

/** ENCRYPTION_KEY, else a key generated once next to the database (mode 0600). */
function loadEncryptionKey(config: Config, dbPath: string, log: Logger): Buffer {
  if (config.ENCRYPTION_KEY) return parseEncryptionKey(config.ENCRYPTION_KEY);
  if (dbPath === ':memory:') return parseEncryptionKey(generateEncryptionKey());
  const file = join(dirname(dbPath), 'encryption.key');
  if (!existsSync(file)) {
    writeFileSync(file, `${generateEncryptionKey()}\n`, { mode: 0o600, flag: 'wx' });
    log.info({ file }, 'generated an encryption key for tokens at rest; back it up with the database');
  }
  chmodSync(file, 0o600);
  return parseEncryptionKey(readFileSync(file, 'utf8'));
}

/**
 * ADMIN_PASSWORD wins and its hash is kept in sync; without it a password is generated at the first start. Nothing
 * is stored until `store()` is called — serve() calls it once the server listens and the banner can print the
 * password (a first start that fails on a busy port must not keep the hash of a password nobody ever saw).
 * Only the scrypt hash is stored.
 */
export function planAdminPassword(services: Services): { generated?: string; store(): void } {
  const { settings } = services.repos;
  const fromEnv = services.config.ADMIN_PASSWORD;
  if (fromEnv) {
    return {
      store() {
        const stored = settings.get('admin_password_hash');
        if (!stored || !verifyPassword(fromEnv, stored)) settings.set('admin_password_hash', hashPassword(fromEnv));
      },
    };
  }
  if (settings.get('admin_password_hash')) return { store() {} };
  const generated = randomToken(15);
  return {
    generated,
    store() {
      settings.set('admin_password_hash', hashPassword(generated));
    },
  };
}

/** `admin reset-password`: a new generated password, stored as a hash; sessions opened with the old one end. */
export function resetAdminPassword(services: Services): string {
  const password = randomToken(15);
  services.repos.settings.set('admin_password_hash', hashPassword(password));
  return password;
}

export interface Running {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** Starts the HTTP server, and unless told otherwise the job worker and the scheduler. */
export async function serve(
  services: Services,
  opts: { port?: number; host?: string; role?: ServiceRole; worker?: boolean; scheduler?: boolean; announce?: boolean; routers?: import('express').Router[] } = {},
): Promise<Running> {
  const { config, log, repos, enricher, metrics } = services;
  const role = opts.role ?? 'all';
  // A worker node has no admin page: it neither generates nor stores a password.
  const admin = role === 'worker' ? { store() {} } : planAdminPassword(services);
  // The buckets live in the database (on the hot handle): every server node on it shares each key's limit.
  const rateLimiter = createRateLimiter(config.API_RATE_LIMIT_PER_MINUTE, repos.rateLimits);
  // /healthz proves the database answers; the statement is prepared once, not per probe.
  const ping = services.db.prepare('SELECT 1');
  const healthy = () => {
    try {
      return ping.get() !== undefined;
    } catch {
      return false; // the database is down or unreachable: 503, not a 500 with a stack
    }
  };
  const app = role === 'worker' ? buildProbeApp({ log, metrics, healthy, role, metricsToken: config.METRICS_TOKEN }) : buildApp({
    log,
    metrics,
    enricher,
    rateLimiter,
    authenticate: (key) => repos.apiKeys.authenticate(key),
    healthy,
    role,
    trustProxy: config.PUBLIC_URL.startsWith('https:'),
    metricsToken: config.METRICS_TOKEN,
    publicUrl: config.PUBLIC_URL,
    routers: [
      webhookRoutes({
        queue: services.queue,
        connections: repos.connections,
        connectors: services.connectors,
        log,
        publicUrl: config.PUBLIC_URL,
        now: () => services.clock.now(),
        onQueued: () => worker?.poke(),
      }),
      adminRoutes({
        config,
        log,
        clock: services.clock,
        repos,
        connectors: services.connectors,
        connectionOps: services.connectionOps,
        queue: services.queue,
        registry: services.registry,
        runService: services.runService,
        revert: services.revert,
        estimator: services.estimator,
        owners: services.owners,
        pipeline: services.pipeline,
        install: services.install,
        outboundEndpoints: services.outboundEndpoints,
        activeProviders: enricher.activeProviders,
        enricher,
      }),
      ...(opts.routers ?? []),
    ],
  });
  let worker: Worker | undefined;
  const server = createServer(
    {
      // A client that sends its headers or body slowly (one byte at a time) is cut off with a 408; the check runs
      // every second instead of Node's default 30 s so the limits hold to the second.
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  // Beyond this many open sockets new ones are closed at once (0 = no cap); a reverse proxy in front should queue.
  if (config.HTTP_MAX_CONNECTIONS > 0) server.maxConnections = config.HTTP_MAX_CONNECTIONS;
  server.listen(opts.port ?? config.PORT, opts.host ?? config.HOST);
  // Without a listener Node drops a CONNECT request's connection without an answer; we are no proxy: say so.
  server.on('connect', (_req, socket: import('node:stream').Duplex) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((ok, fail) => {
    server.once('listening', ok);
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new Error(`port ${opts.port ?? config.PORT} on ${opts.host ?? config.HOST} is already in use: stop the other process or set PORT to a free port`) : err),
    );
  });
  // Only now is the password stored: the banner below prints it.
  admin.store();
  const addr = server.address();
  const url = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : config.PUBLIC_URL;
  log.info({ url, role, publicUrl: config.PUBLIC_URL, providers: enricher.activeProviders }, 'crm-enrich listening');
  // Web nodes leave jobs and schedules to worker nodes (which pick a new job up within their 1 s idle poll).
  if (opts.worker ?? role !== 'web') {
    worker = services.createWorker();
    worker.start();
  }
  if (opts.scheduler ?? role !== 'web') services.scheduler.start();
  if (opts.announce ?? true) announce(services, url, role, 'generated' in admin ? admin.generated : undefined);

  let stopping: Promise<void> | undefined;
  return {
    server,
    url,
    stop() {
      stopping ??= (async () => {
        services.scheduler.stop();
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        await worker?.stop();
        await closed;
      })();
      return stopping;
    },
  };
}

/** The start banner: on stderr, for a person; the password appears here once and never in the JSON log. */
function announce(services: Services, url: string, role: ServiceRole, generatedPassword: string | undefined): void {
  const { config, enricher, connectors } = services;
  // PORT=0 without PUBLIC_URL: the default names port 0, which nobody can reach; show the real address and say
  // why OAuth and webhooks need PUBLIC_URL.
  const portless = new URL(config.PUBLIC_URL).port === '0';
  const base = portless ? url : config.PUBLIC_URL.replace(/\/+$/, '');
  // One host: the public URL; the socket address only when it names another place (a proxy in front, another port).
  // 127.0.0.1 served as localhost is the same place (servedUrl, the default PUBLIC_URL's rule).
  const { hostname, port } = new URL(url);
  const samePlace = [url, servedUrl(hostname, Number(port))].some((u) => new URL(u).origin === new URL(base).origin);
  const listening =
    samePlace ? '' : hostname === '0.0.0.0' || hostname === '[::]' ? ` (listening on every interface, port ${port})` : ` (listening on ${url})`;
  const crms = (['hubspot', 'salesforce'] as const).filter((c) => connectors[c].configured);
  if (role === 'worker') {
    process.stderr.write(
      `\n  crm-enrich worker node: running jobs and schedules; health checks on ${url}/healthz\n  database:          ${config.DATABASE_URL ? `PostgreSQL ${redactUrl(config.DATABASE_URL)}` : config.DATABASE_PATH}\n\n`,
    );
    return;
  }
  const lines = [
    '',
    `  crm-enrich is running on ${base}${listening}${role === 'web' ? ' (web node: jobs and schedules run on worker nodes)' : ''}`,
    `  admin page:        ${base}/admin`,
    `  active providers:  ${enricher.activeProviders.length ? enricher.activeProviders.join(', ') : 'none (the enrichment API answers 503)'}`,
    `  database:          ${config.DATABASE_URL ? `PostgreSQL ${redactUrl(config.DATABASE_URL)}` : config.DATABASE_PATH}`,
    `  CRMs configured:   ${crms.length ? crms.map((c) => (c === 'hubspot' ? 'HubSpot' : 'Salesforce')).join(', ') : 'none (set HUBSPOT_CLIENT_ID/SECRET or SALESFORCE_CLIENT_ID/SECRET to connect one)'}`,
  ];
  if (portless) lines.push('  PUBLIC_URL:        unset with PORT=0: set it (or a fixed PORT) before connecting a CRM or receiving webhooks');
  else {
    lines.push(
      `  OAuth callbacks:   ${base}/oauth/hubspot/callback`,
      `                     ${base}/oauth/salesforce/callback`,
      `  HubSpot webhooks:  ${base}/webhooks/hubspot`,
    );
  }
  if (generatedPassword) {
    lines.push(
      `  admin password:    ${generatedPassword}`,
      '                     (generated now and shown only this once; set ADMIN_PASSWORD to choose your own,',
      '                     or run `npx crm-enrich admin reset-password` to get a new one)',
    );
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);
}
