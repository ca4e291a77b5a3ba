// `crm-enrich db copy --to <postgres-url>`: moves this installation's SQLite file (DATABASE_PATH) into an empty
// PostgreSQL database. Stop the service first; afterwards start every node with DATABASE_URL and the same
// ENCRYPTION_KEY (the tokens are copied still encrypted under it).
import { chmodSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from './config/load.js';
import { copyDatabase, CopyRefused } from './db/copy.js';
import { isPostgresUrl, openDb, openPg } from './db/open.js';
import { redactUrl } from './db/url.js';
import { CommandError, UsageError, type Out } from './cli-errors.js';

export const DB_USAGE = `  db copy --to <postgres-url>             copy this SQLite installation into an empty PostgreSQL database
  db backup <file>                        online backup of the SQLite database (safe while the service runs)
`;

export async function dbCommand(args: string[], config: Config, out: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'backup') return backup(rest, config, out);
  if (sub !== 'copy') throw new UsageError('db copy --to <postgres-url> | db backup <file>');
  let to: string | undefined;
  try {
    to = parseArgs({ args: rest, options: { to: { type: 'string' } }, strict: true }).values.to;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
  if (!isPostgresUrl(to)) throw new UsageError('db copy --to <postgres-url> (a postgres:// URL)');
  const path = resolve(config.DATABASE_PATH);
  if (config.DATABASE_PATH === ':memory:' || !existsSync(path)) throw new CommandError(`no SQLite database at ${path} (DATABASE_PATH) to copy`);
  const source = openDb(path);
  let target;
  try {
    target = openPg(to, { applicationName: 'crm-enrich db copy' });
  } catch (err) {
    source.close();
    throw new CommandError(err instanceof Error ? err.message : String(err));
  }
  try {
    const report = copyDatabase(source, target, { onTable: (t, n) => out.stderr(`copied ${t}: ${n} rows\n`) });
    const keyFile = join(dirname(path), 'encryption.key');
    out.stderr(
      `done: ${report.rows} rows in ${Object.keys(report.tables).length} tables, counts verified.\n` +
        `Start every node with DATABASE_URL=${redactUrl(to)} and ENCRYPTION_KEY=${config.ENCRYPTION_KEY ? '<the ENCRYPTION_KEY this install uses>' : `<the contents of ${keyFile}>`}.\n`,
    );
    out.stdout(`${JSON.stringify(report)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CopyRefused) throw new CommandError(err.message);
    throw err;
  } finally {
    source.close();
    target.close();
  }
}

/**
 * `db backup <file>`: SQLite's online backup API (better-sqlite3's backup()), a consistent copy taken page by page
 * while the service keeps running. PostgreSQL is backed up with its own tools (pg_dump): the command says so.
 */
async function backup(args: string[], config: Config, out: Out): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('db backup <file>');
  if (config.DATABASE_URL) throw new CommandError('DATABASE_URL is set: back PostgreSQL up with pg_dump -Fc (see the README, Operations)');
  const path = resolve(config.DATABASE_PATH);
  if (config.DATABASE_PATH === ':memory:' || !existsSync(path)) throw new CommandError(`no SQLite database at ${path} (DATABASE_PATH) to back up`);
  const file = resolve(args[0]!);
  if (existsSync(file)) throw new CommandError(`${file} exists: choose a new file name`);
  const db = openDb(path, { migrate: false });
  try {
    const r = await db.backup(file);
    chmodSync(file, 0o600); // tokens (encrypted) and hashes: readable by the service's user only, as the database is
    out.stderr(`backed up ${r.totalPages} pages to ${file}; keep the encryption key with it (${config.ENCRYPTION_KEY ? 'ENCRYPTION_KEY' : join(dirname(path), 'encryption.key')})\n`);
    out.stdout(`${JSON.stringify({ file, pages: r.totalPages })}\n`);
    return 0;
  } finally {
    db.close();
  }
}
