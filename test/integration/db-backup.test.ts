// `crm-enrich db backup <file>`: SQLite's online backup, a consistent copy of a database in use.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { runCli } from '../helpers/cli.js';

describe('db backup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-backup-'));
  const env = { DATABASE_PATH: join(dir, 'crm-enrich.db') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when the database is in use, then the backup holds its rows, is private to the user, and a second backup to the same file is refused', async () => {
    const live = openDb(env.DATABASE_PATH);
    live.prepare('INSERT INTO accounts (id, name, monthly_credit_limit, created_at) VALUES (?, ?, 0, ?)').run('acc_1', 'acme', 1);
    const file = join(dir, 'backup.db');
    const r = await runCli(['db', 'backup', file], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const copy = openDb(file, { readonly: true });
    expect(copy.prepare('SELECT name FROM accounts').pluck().all()).toEqual(['acme']);
    copy.close();
    live.close();
    const again = await runCli(['db', 'backup', file], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
  });

  it('when DATABASE_URL names PostgreSQL, then backup points at pg_dump instead', async () => {
    const r = await runCli(['db', 'backup', join(dir, 'x.db')], { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ENCRYPTION_KEY: 'a'.repeat(64) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pg_dump/);
  });
});
