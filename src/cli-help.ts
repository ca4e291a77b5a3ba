// `crm-enrich <command> --help`: what a command does, its forms and examples. Kept apart from cli.ts so adding a
// command's help never touches the dispatcher; a command without an entry here falls back to its lines of the
// overview (see helpFor).

interface CommandHelp {
  summary: string;
  forms: string[];
  examples: string[];
  notes?: string[];
}

const HELP: Record<string, CommandHelp> = {
  serve: {
    summary: 'Run the HTTP server (enrichment API, admin pages, OAuth, webhooks), the job worker and the scheduler.',
    forms: ['serve [--role web|worker|all]'],
    examples: [
      'PORT=${PORT:-3000} npx crm-enrich serve',
      'HOST=0.0.0.0 PUBLIC_URL=https://enrich.example.com npx crm-enrich serve',
      'DATABASE_URL=postgres://crm@db/crm_enrich ENCRYPTION_KEY=... npx crm-enrich serve --role worker',
    ],
    notes: [
      '--role web answers HTTP and enqueues (no jobs, no schedules); --role worker runs jobs and schedules and serves only /healthz and /metrics; all (the default) does both. Any mix works against one PostgreSQL database (DATABASE_URL).',
      'Configured with environment variables; a .env file in the working directory is read too (variables already set win).',
      'The first start prints a generated admin password once; `crm-enrich admin reset-password` prints a new one.',
    ],
  },
  migrate: {
    summary: 'Apply pending database migrations (SQLite, or PostgreSQL when DATABASE_URL is set) and report them.',
    forms: ['migrate'],
    examples: ['npx crm-enrich migrate', 'DATABASE_URL=postgres://crm@db.internal/crm_enrich npx crm-enrich migrate'],
    notes: [
      'Servers apply pending migrations at start too; several nodes starting at once take turns under a database lock.',
      'Prints {"engine":"postgres","applied":["014_....sql"],"pending":0}.',
    ],
  },
  db: {
    summary: 'Back up the SQLite database, or move an installation from its SQLite file to PostgreSQL.',
    forms: ['db backup <file>', 'db copy --to <postgres-url>'],
    examples: ['npx crm-enrich db backup backups/crm-enrich-$(date +%F).db', 'npx crm-enrich db copy --to postgres://crm@db.internal:5432/crm_enrich'],
    notes: [
      'backup uses SQLite\'s online backup API: a consistent copy while the service runs. Keep the encryption key with it. On PostgreSQL use pg_dump.',
      'Stop the service first. Copies every table of DATABASE_PATH (connections, tokens still encrypted, ledger, cache, audit, queue) in one transaction, then compares the counts.',
      'Refuses a target that already holds rows. Afterwards every node needs DATABASE_URL and the same ENCRYPTION_KEY (the key file beside the SQLite database, when none was set).',
    ],
  },
  demo: {
    summary: 'Start the service with local stand-ins for HubSpot and Salesforce: both connected, contacts synced, a job change and its task.',
    forms: ['demo [--port <n>] [--data-dir <dir>]'],
    examples: ['npx crm-enrich demo', 'npx crm-enrich demo --port 4000'],
    notes: ['Uses its own database in ./data/demo (never your real one) and needs no CRM account. Ctrl-C stops it.'],
  },
  admin: {
    summary: 'Admin page access.',
    forms: ['admin reset-password'],
    examples: ['npx crm-enrich admin reset-password'],
    notes: [
      'Prints a new generated admin password (stored as a hash) and signs out every admin session.',
      'When ADMIN_PASSWORD is set the server applies it at every start: change it there instead.',
    ],
  },
  accounts: {
    summary: 'API accounts and their monthly credit limits.',
    forms: ['accounts create <name>', 'accounts set-limit <name> <credits>'],
    examples: ['npx crm-enrich accounts create acme', 'npx crm-enrich accounts set-limit acme 5000   # 0 = no limit'],
  },
  'api-keys': {
    summary: 'Keys of the enrichment API (only their hashes are stored).',
    forms: ['api-keys create --account <name>', 'api-keys list [--json]', 'api-keys revoke <key-id>'],
    examples: [
      'KEY=$(npx crm-enrich api-keys create --account acme)',
      'npx crm-enrich api-keys list',
      'npx crm-enrich api-keys revoke key_abc123',
    ],
    notes: ['A new key is printed once. list shows ids and key prefixes, never keys.'],
  },
  dataset: {
    summary: 'Import profiles into the local dataset provider (upserts; run again to update).',
    forms: ['dataset import <file>'],
    examples: ['npx crm-enrich dataset import config/sample-profiles.jsonl', 'npx crm-enrich dataset import people.csv'],
    notes: ['JSON lines or CSV with profile columns, UTF-8 text. A JSON report goes to stdout, progress of big files to stderr.'],
  },
  enrich: {
    summary: 'Enrich one person, exactly as the API would (credits are charged to the account).',
    forms: ['enrich --email <email> [--account <name>]', 'enrich --linkedin-url <url> [--account <name>]'],
    examples: ['npx crm-enrich enrich --email ada@analytical.example', 'npx crm-enrich enrich --linkedin-url https://www.linkedin.com/in/grace-hopper/ --account acme'],
  },
  seniority: {
    summary: 'Classify job titles: one title per line on stdin, one JSON line per title on stdout.',
    forms: ['seniority'],
    examples: ['printf "VP Sales\\nSenior Engineer\\n" | npx crm-enrich seniority'],
  },
  connections: {
    summary: 'Connected CRMs.',
    forms: ['connections list [--json]', 'connections pause <id>', 'connections resume <id>', 'connections disconnect <id>'],
    examples: ['npx crm-enrich connections list', 'npx crm-enrich connections pause con_abc123'],
    notes: ['disconnect revokes the tokens at the CRM and forgets them here; reconnect from the admin page.'],
  },
  sync: {
    summary: 'Run a sync of one connection now, in this process (progress on stderr, a JSON summary on stdout).',
    forms: ['sync <connection-id> --mode new|backfill|job-changes', 'sync <connection-id> --mode new|backfill|job-changes --estimate'],
    examples: [
      'npx crm-enrich sync con_abc123 --mode backfill --estimate   # {"contacts":N,"to_enrich":N,"max_credits":N}',
      'npx crm-enrich sync con_abc123 --mode backfill',
      'npx crm-enrich sync con_abc123 --mode job-changes > summary.json',
    ],
    notes: [
      'Exit 0 when the run succeeded, 1 otherwise. Ctrl-C stops after the current page; the next run resumes.',
      '--estimate reads the CRM and enriches, writes and charges nothing: what the run would look up and its most credits.',
    ],
  },
  runs: {
    summary: "A connection's sync runs, and undoing one.",
    forms: ['runs list <connection-id> [--json]', 'runs revert <run-id> [--tasks] [--dry-run]'],
    examples: ['npx crm-enrich runs list con_abc123', 'npx crm-enrich runs revert run_abc123 --dry-run', 'npx crm-enrich runs revert run_abc123 --tasks'],
    notes: [
      'A revert puts back every field the run wrote that still holds the value the run wrote; a value changed since is kept and reported on stderr.',
      'It prints {"reverted":N,"kept":N,"failed":N,"tasks_removed":N}; a second revert changes nothing. --tasks also deletes the job-change tasks the run created that nobody completed.',
    ],
  },
  credits: {
    summary: 'Credits used per account.',
    forms: ['credits [--account <name>] [--since YYYY-MM-DD] [--json]'],
    examples: ['npx crm-enrich credits', 'npx crm-enrich credits --account acme --since 2026-01-01 --json'],
  },
};

/** The help of one command, or undefined when it is unknown. `overview` is the command list (its lines are the fallback). */
export function helpFor(command: string, overview: string): string | undefined {
  const h = HELP[command];
  if (!h) {
    // A command listed in the overview but without an entry here: its lines of the overview.
    const lines = overview.split('\n').filter((l, i, all) => l.startsWith(`  ${command} `) || l === `  ${command}` || (/^ {20,}\S/.test(l) && all[i - 1]?.startsWith(`  ${command} `)));
    return lines.length ? `usage:\n${lines.join('\n')}\n` : undefined;
  }
  const out = [`crm-enrich ${command}: ${h.summary}`, '', 'usage:', ...h.forms.map((f) => `  crm-enrich ${f}`), '', 'examples:', ...h.examples.map((e) => `  ${e}`)];
  if (h.notes?.length) out.push('', ...h.notes);
  return `${out.join('\n')}\n`;
}

/** True when the arguments ask for help (anywhere after the command, as `--help` or `-h`). */
export function wantsHelp(args: string[]): boolean {
  return args.some((a) => a === '--help' || a === '-h');
}

/** The one line under a usage error: where the full usage is (the command's own help when it has one). */
export function helpPointer(command: string | undefined, overview: string): string {
  return command && helpFor(command, overview) ? `run "crm-enrich ${command} --help" for usage and examples` : 'run "crm-enrich --help" for the list of commands';
}
