// The crm-enrich command line. Exit 0 on success, 1 on failure (one line on stderr), 2 on a usage error.
// Machine-readable output goes to stdout; logs and progress go to stderr.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config/load.js';
import { helpFor, helpPointer, wantsHelp } from './cli-help.js';
import type { Services } from './main.js';
import { migrate, openStore, pendingMigrations } from './db/open.js';
import { createDatasetRepo } from './db/dataset.repo.js';
import { createProfileCacheRepo } from './db/cache.repo.js';
import { importDatasetStream } from './enrichment/dataset-import.js';
import { seniorityOf } from './enrichment/seniority.js';
import { createProgress, rateLimitNote } from './lib/progress.js';
import { fileChunks } from './lib/file-chunks.js';
import { sleep, systemClock } from './lib/clock.js';
import { hasUnprintable } from './lib/text.js';
import { SYNC_MODES } from './sync/runs.js';
import { ConnectionOpError } from './sync/connections.js';
import type { SyncMode } from './db/sync-runs.repo.js';
import { RUNS_USAGE, runsCommand } from './cli-runs.js';
import { DB_USAGE, dbCommand } from './cli-db.js';
import { SERVICE_ROLES, type ServiceRole } from './app.js';

import { CommandError, UsageError, type Out } from './cli-errors.js';

const USAGE = `usage: crm-enrich <command>       (crm-enrich <command> --help: details and examples; --version)

  demo                                    try it: the service with local stand-in CRMs, a job change and its task
  serve [--role web|worker|all]           run the HTTP server, job worker and scheduler (web: HTTP only; worker: jobs only)
  admin reset-password                    print a new admin password
  accounts create <name>                  print the account id (idempotent by name)
  accounts set-limit <name> <credits>     monthly credit limit (0 = no limit)
  api-keys create --account <name>        print a new API key (shown once)
  api-keys list [--json] | revoke <id>    keys by id and prefix; revoke one
  dataset import <file>                   JSONL profiles or CSV with profile columns
  enrich --email E | --linkedin-url U [--account <name>]
  seniority                               job titles on stdin → JSON lines on stdout
  connections list [--json]               connected CRMs
  connections pause|resume|disconnect <id>
                                          stop or restart syncs of a connection; disconnect revokes its tokens
  sync <connection-id> --mode new|backfill|job-changes
                                          run that sync now (progress on stderr, JSON summary on stdout)
  sync <connection-id> --mode M --estimate
                                          {"contacts":N,"to_enrich":N,"max_credits":N}; enriches and charges nothing
  credits [--account <name>] [--since YYYY-MM-DD] [--json]
  migrate                                 apply pending migrations (SQLite, or PostgreSQL with DATABASE_URL)
${DB_USAGE}${RUNS_USAGE}`;

const defaultOut: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

export async function main(argv: string[], out: Out = defaultOut): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'help' && rest.length === 1) return await main([rest[0]!, '--help'], out);
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      (command ? out.stdout : out.stderr)(USAGE);
      return command ? 0 : 2;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      out.stdout(`crm-enrich ${version()}\n`);
      return 0;
    }
    if (wantsHelp(rest)) {
      const help = helpFor(command, USAGE);
      if (!help) throw new UsageError(`unknown command "${command}"`);
      out.stdout(help);
      return 0;
    }
    // .env in the working directory, under what is already set; seniority is a pure filter and needs no configuration.
    if (command !== 'seniority') loadDotEnv();
    // seniority needs no database: keep it usable as a pure filter.
    if (command === 'seniority') return await seniorityCommand(rest, out);
    // A dataset import needs the database only. Not loading the server and the CRM connectors keeps the
    // process of a multi-gigabyte import small (about 60 MB less resident memory).
    if (command === 'dataset') return await datasetCommand(rest, loadConfig(), out);
    if (command === 'migrate') return migrateCommand(rest, loadConfig(), out);
    if (command === 'db') return await dbCommand(rest, loadConfig(), out);
    // The demo builds its own configuration (its own data folder, the stand-in CRMs).
    if (command === 'demo') return await (await import('./demo/command.js')).demoCommand(rest, out);
    const handler = COMMANDS[command];
    if (!handler) throw new UsageError(`unknown command "${command}"`);
    if (command === 'serve') serveRole(rest); // a usage mistake is told before the database is opened
    const config = loadConfig();
    const { createServices } = await import('./main.js');
    const services = createServices(config, { log: undefined });
    if (command === 'serve') return await serveCommand(services, rest);
    try {
      return await handler(services, rest, out);
    } finally {
      services.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      // The one useful line and where the rest is; not the whole usage.
      out.stderr(`crm-enrich: ${err.message}\n${helpPointer(command, USAGE)}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      out.stderr(`crm-enrich: ${err.message}\n`);
      return 1;
    }
    out.stderr(`crm-enrich: ${oneLine(err)}\n`);
    return 1;
  }
}

type Handler = (s: Services, args: string[], out: Out) => Promise<number>;

const COMMANDS: Record<string, Handler> = {
  serve: async () => 0, // handled in main(): it owns the services' lifetime
  accounts: async (s, args, out) => {
    const [sub, ...rest] = args;
    if (sub === 'create') {
      const [name] = positionals(rest, 1, 'accounts create <name>');
      out.stdout(`${s.repos.accounts.ensure(accountName(name!)).id}\n`);
      return 0;
    }
    if (sub === 'set-limit') {
      const [name, credits] = positionals(rest, 2, 'accounts set-limit <name> <credits>');
      if (!/^\d+$/.test(credits!)) throw new UsageError('credits must be a whole number (0 = no limit)');
      const account = s.repos.accounts.byName(name!);
      if (!account) throw new CommandError(`no account named "${name}"`);
      s.repos.accounts.setMonthlyLimit(account.id, Number(credits));
      return 0;
    }
    throw new UsageError('accounts create <name> | accounts set-limit <name> <credits>');
  },
  admin: async (s, args, out) => {
    const [sub, ...rest] = args;
    if (sub !== 'reset-password' || rest.length) throw new UsageError('admin reset-password');
    if (s.config.ADMIN_PASSWORD) throw new CommandError('ADMIN_PASSWORD is set and the server applies it at every start: change it there');
    const { resetAdminPassword } = await import('./main.js');
    out.stdout(`${resetAdminPassword(s)}\n`);
    out.stderr('crm-enrich: the admin password was replaced (shown once, above); admin sessions signed in with the old one have ended\n');
    return 0;
  },
  'api-keys': async (s, args, out) => {
    const [sub, ...rest] = args;
    if (sub === 'list' || sub === 'revoke') return (await import('./cli-api-keys.js')).apiKeysCommand(s, sub, rest, out);
    if (sub !== 'create') throw new UsageError('api-keys create --account <name> | api-keys list [--json] | api-keys revoke <key-id>');
    const { values } = parse(rest, { account: { type: 'string' } });
    if (!values.account) throw new UsageError('api-keys create needs --account <name>');
    const account = s.repos.accounts.ensure(accountName(values.account));
    out.stdout(`${s.repos.apiKeys.create(account.id, 'cli').key}\n`);
    return 0;
  },
  enrich: async (s, args, out) => {
    const { values } = parse(args, { email: { type: 'string' }, 'linkedin-url': { type: 'string' }, account: { type: 'string' } });
    if (!values.email && !values['linkedin-url']) throw new UsageError('enrich needs --email or --linkedin-url');
    const account = s.repos.accounts.ensure(accountName(values.account ?? 'cli'));
    const outcome = await s.enricher.enrich(
      { email: values.email, linkedin_url: values['linkedin-url'] },
      { accountId: account.id, monthlyLimit: account.monthly_credit_limit },
    );
    out.stdout(`${outcome.json ? outcome.json() : JSON.stringify(outcome.body)}\n`);
    if (outcome.status !== 200) {
      const body = outcome.body as { error?: string; message?: string };
      out.stderr(`crm-enrich: ${outcome.status} ${body.error ?? ''}: ${body.message ?? ''}\n`);
      return 1;
    }
    return 0;
  },
  connections: async (s, args, out) => {
    const [sub, ...rest] = args;
    if (sub === 'pause' || sub === 'resume' || sub === 'disconnect') return connectionOp(s, sub, rest, out);
    if (sub !== 'list') throw new UsageError('connections list [--json] | connections pause|resume|disconnect <id>');
    const { values } = parse(rest, { json: { type: 'boolean' } });
    const rows = s.repos.connections.list().map((c) => ({
      id: c.id,
      crm: c.crm,
      account: c.account_name,
      external_id: c.external_id,
      status: c.status,
      label: c.label,
      // Only Salesforce has one: the connection's own Outbound Message URL (a secret; the CLI runs with db access).
      ...(c.crm === 'salesforce' ? { outbound_message_url: s.outboundEndpoints.url(c) } : {}),
    }));
    if (values.json) out.stdout(`${JSON.stringify(rows)}\n`);
    else {
      printTable(out, ['id', 'crm', 'account', 'external id', 'status'], rows.map((r) => [r.id, r.crm, r.account, r.external_id, r.status]));
    }
    return 0;
  },
  sync: async (s, args, out) => {
    const { values, positionals: pos } = parseArgs({ args, options: { mode: { type: 'string' }, estimate: { type: 'boolean' } }, allowPositionals: true, strict: false });
    const connectionId = pos[0];
    if (!connectionId || pos.length !== 1) throw new UsageError('sync <connection-id> --mode new|backfill|job-changes');
    const mode = values.mode;
    if (typeof mode !== 'string' || !(SYNC_MODES as readonly string[]).includes(mode)) throw new UsageError('--mode must be new, backfill or job-changes');
    const conn = s.repos.connections.get(connectionId);
    if (!conn) throw new CommandError(`no connection "${connectionId}" (see: crm-enrich connections list)`);
    if (conn.status !== 'connected') throw new CommandError(`connection ${connectionId} is ${conn.status.replace('_', ' ')}`);
    if (values.estimate === true) {
      out.stdout(`${JSON.stringify(await s.estimator.estimate(connectionId, mode as SyncMode))}\n`);
      return 0;
    }
    const { run, jobId } = s.runService.startRun(connectionId, mode as SyncMode, 'cli');
    const worker = s.createWorker({ concurrency: 1 });
    const progress = createProgress(`${conn.crm} ${mode}`);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const show = () => {
      const r = s.repos.runs.get(run.id)!;
      progress.update(r.counts.checked, r.total, rateLimitNote(r.waiting_provider, r.waiting_until, s.clock.now()));
      return r;
    };
    // A page can wait a minute for a provider's rate limit: the line keeps saying so while the worker waits.
    const ticker = setInterval(show, 1000);
    try {
      // Work on this run's job ourselves; if a server's worker holds it, just follow its progress.
      for (;;) {
        await worker.drain({ jobId, signal: stop.signal });
        const r = show();
        if (r.state === 'succeeded' || r.state === 'failed' || stop.signal.aborted) break;
        const job = s.queue.get(jobId);
        if (job?.state === 'dead') break;
        await sleep(Math.min(2000, Math.max(100, (job?.run_at ?? 0) - s.clock.now())), stop.signal);
      }
    } finally {
      clearInterval(ticker);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress.finish();
    }
    const r = s.repos.runs.get(run.id)!;
    const { counts } = r;
    const state = stop.signal.aborted && r.state === 'running' ? 'interrupted' : r.state;
    out.stdout(`${JSON.stringify({ run_id: r.id, connection_id: connectionId, mode, state, ...counts, error: r.error, ...(r.note ? { note: r.note } : {}) })}\n`);
    if (state !== 'succeeded') {
      out.stderr(`crm-enrich: sync ${state}${r.error ? `: ${r.error}` : ''}\n`);
      return 1;
    }
    return 0;
  },
  runs: (s, args, out) => runsCommand(s, args, out),
  credits: async (s, args, out) => {
    const { values } = parse(args, { account: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } });
    let since = 0;
    if (values.since !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(values.since) || Number.isNaN(Date.parse(`${values.since}T00:00:00Z`))) {
        throw new UsageError('--since must be a date YYYY-MM-DD');
      }
      since = Date.parse(`${values.since}T00:00:00Z`);
    }
    let rows = s.repos.ledger.summary(since);
    if (values.account !== undefined) {
      rows = rows.filter((r) => r.account === values.account);
      if (rows.length === 0) throw new CommandError(`no account named "${values.account}"`);
    }
    if (values.json) {
      out.stdout(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    printTable(out, ['account', 'requests', 'found', 'cache hits', 'credits'], rows.map((r) => [r.account, r.requests, r.found, r.cache_hits, r.credits]));
    return 0;
  },
};

/** pause / resume / disconnect: the admin page's operations; nothing on stdout, a refusal is a failure (exit 1). */
async function connectionOp(s: Services, op: 'pause' | 'resume' | 'disconnect', args: string[], out: Out): Promise<number> {
  const [id] = positionals(args, 1, `connections ${op} <connection-id>`);
  try {
    if (op === 'pause') s.connectionOps.pause(id!, 'the command line');
    else if (op === 'resume') s.connectionOps.resume(id!, 'the command line');
    else {
      const { revokeProblem } = await s.connectionOps.disconnect(id!, 'the command line');
      // The local side is cut (tokens forgotten) even so: a warning, not a failure to retry.
      if (revokeProblem) out.stderr(`crm-enrich: disconnected and tokens forgotten, but the CRM did not confirm the revocation: ${revokeProblem}\n`);
    }
  } catch (err) {
    if (err instanceof ConnectionOpError) throw new CommandError(err.code === 'not_found' ? `no connection "${id}" (see: crm-enrich connections list)` : `connection ${id}: ${err.message}`);
    throw err;
  }
  return 0;
}

async function serveCommand(services: Services, args: string[]): Promise<number> {
  const role = serveRole(args);
  const { serve } = await import('./main.js');
  const running = await serve(services, { role });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      services.log.info({ signal }, 'stopping: finishing or releasing in-flight work');
      running
        .stop()
        .catch((err: unknown) => services.log.error({ err }, 'error while stopping'))
        .finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  services.log.info('stopped');
  services.log.flush();
  services.close();
  return 0;
}

/** `serve [--role web|worker|all]`: checked before anything opens the database. */
function serveRole(args: string[]): ServiceRole {
  let values: { role?: string | undefined };
  try {
    ({ values } = parseArgs({ args, options: { role: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`serve [--role web|worker|all]: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (the rest is configured with environment variables)`);
  }
  const role = values.role ?? 'all';
  if (!(SERVICE_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be web, worker or all (not "${role}")`);
  return role as ServiceRole;
}

/** Files above this size show a progress line on stderr while they import. */
const PROGRESS_OVER_BYTES = 10_000_000;

async function datasetCommand(args: string[], config: Config, out: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'import') throw new UsageError('dataset import <file>');
  const [file] = positionals(rest, 1, 'dataset import <file>');
  const size = (await import('./cli-files.js')).readableTextFile(file!);
  const format = /\.csv$/i.test(file!) ? 'csv' : /\.jsonl?$/i.test(file!) ? 'jsonl' : 'auto';
  // A licensed dataset is gigabytes: stream it, and say how far along it is when that takes a while.
  const progress = size > PROGRESS_OVER_BYTES ? createProgress('dataset import (MB)') : undefined;
  const MB = 1_000_000;
  // NORMAL: a commit does not wait for the disk. A power cut may lose the last chunks; running the import again
  // (upserts) restores them, and the import is not slowed to the disk's fsync rate.
  const db = openStore({ url: config.DATABASE_URL, path: config.DATABASE_PATH }, { synchronous: 'NORMAL' });
  try {
    const report = await importDatasetStream(fileChunks(file!), createDatasetRepo(db), {
      format,
      now: new Date(systemClock.now()),
      jobChangeWindowDays: config.JOB_CHANGE_WINDOW_DAYS,
      onProgress: progress && ((p) => progress.update(Math.round(p.bytes / MB), Math.round(size / MB))),
    });
    progress?.finish();
    // The cache may hold answers the new data supersedes.
    if (report.imported > 0) createProfileCacheRepo(db).clear();
    out.stdout(`${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** `migrate`: applies the pending migrations of the configured database (servers also do it at start). */
function migrateCommand(args: string[], config: Config, out: Out): number {
  if (args.length) throw new UsageError('migrate takes no arguments');
  const engine = config.DATABASE_URL ? 'postgres' : 'sqlite';
  const db = openStore({ url: config.DATABASE_URL, path: config.DATABASE_PATH }, { migrate: false });
  try {
    const applied = migrate(db);
    out.stdout(`${JSON.stringify({ engine, applied, pending: pendingMigrations(db).length })}\n`);
    return 0;
  } finally {
    db.close();
  }
}

async function seniorityCommand(args: string[], out: Out): Promise<number> {
  if (args.length) throw new UsageError('seniority reads titles from stdin and takes no arguments');
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const title = line.replace(/\r$/, '');
    out.stdout(`${JSON.stringify({ title, seniority: seniorityOf(title) })}\n`);
  }
  return 0;
}

/** A plain-text table on stdout: text left-aligned, numbers right-aligned. */
function printTable(out: Out, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells) out.stdout(`${row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new UsageError(oneLine(err));
  }
}

function positionals(args: string[], n: number, usage: string): string[] {
  if (args.length !== n || args.some((a) => a.startsWith('--'))) throw new UsageError(usage);
  return args;
}

function accountName(name: string): string {
  const n = name.trim();
  if (!n || n.length > 100 || hasUnprintable(n)) throw new UsageError('an account name is 1-100 printable characters');
  return n;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** The package version (package.json, read when asked). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
