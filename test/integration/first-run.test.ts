// The first run as a newcomer lives it, through real processes: a start on a busy port fails and stores no
// password; the next start on a free port prints the password, which logs in; `admin reset-password` replaces it;
// the banner names one host, the OAuth callbacks and the webhook URL; .env in the working directory is read.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin } from '../helpers/admin.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/browser.js';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;
let dir: string;
let dbPath: string;
const children: ChildProcess[] = [];

/** Env of the children: this process's, without anything that would configure the service from outside the test. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['ADMIN_PASSWORD', 'PUBLIC_URL', 'PORT', 'HOST', 'DATABASE_PATH', 'HUBSPOT_CLIENT_ID', 'SALESFORCE_CLIENT_ID']) delete env[k];
  return { ...env, LOG_LEVEL: 'warn', ENRICH_PROVIDERS: 'dataset', ...extra };
}

function cli(args: string[], extra: Record<string, string>, cwd = dir) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: baseEnv(extra), cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `serve`; resolves with its banner once it names the admin page, or with its exit when it fails. */
function startServe(extra: Record<string, string>): Promise<{ child: ChildProcess; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env: baseEnv(extra), cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Promise.race([
    waitFor('the start banner', () => /admin page:/.test(stderr)).then(() => ({ child, stderr: () => stderr, exit })),
    exit.then(() => ({ child, stderr: () => stderr, exit })),
  ]);
}

async function stop(child: ChildProcess, exit: Promise<number | null>): Promise<void> {
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
}

function storedHash(): string | undefined {
  if (!existsSync(dbPath)) return undefined;
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT value FROM settings WHERE key = 'admin_password_hash'`).get() as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crm-enrich-first-run-'));
  dbPath = join(dir, 'data', 'crm-enrich.db');
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the first run', () => {
  let password: string;
  let port: number;

  it('when the port is taken, then the start fails with one clear line and no password is stored', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const r = await startServe({ DATABASE_PATH: dbPath, PORT: String(busy) });
      expect(await r.exit).toBe(1);
      expect(r.stderr()).toContain(`port ${busy} on 127.0.0.1 is already in use`);
      expect(r.stderr()).not.toMatch(/admin password/);
    } finally {
      await new Promise<void>((ok) => blocker.close(() => ok()));
    }
    expect(storedHash()).toBeUndefined();
  });

  it('when it then starts on a free port, then the banner prints the password once, one host, the callbacks and the webhook URL', async () => {
    port = await freePort();
    const r = await startServe({ DATABASE_PATH: dbPath, PORT: String(port) });
    const banner = r.stderr();
    const base = `http://localhost:${port}`;
    password = /admin password: +(\S+)/.exec(banner)?.[1] ?? '';
    expect(password, banner).toMatch(/^\S{16,}$/);
    expect(banner).toContain(`crm-enrich is running on ${base}\n`);
    expect(banner).toContain(`admin page:        ${base}/admin`);
    expect(banner).not.toContain('127.0.0.1');
    expect(banner).toContain(`${base}/oauth/hubspot/callback`);
    expect(banner).toContain(`${base}/oauth/salesforce/callback`);
    expect(banner).toContain(`HubSpot webhooks:  ${base}/webhooks/hubspot`);
    expect(banner).toMatch(/CRMs configured: +none/);
    expect(banner).toContain('crm-enrich admin reset-password');
    expect(storedHash()).toMatch(/\S/);
    // The tests reach the server on its socket address (nock lets 127.0.0.1 through, not the name localhost).
    const socket = `http://127.0.0.1:${port}`;
    await expect(loginAdmin(socket, password)).resolves.toMatch(/^crm_enrich_admin=/);
    await expect(loginAdmin(socket, 'not-the-password')).rejects.toThrow(/admin login failed/);
    await stop(r.child, r.exit);
  });

  it('when the server starts again, then no password is printed and the first one still works', async () => {
    const r = await startServe({ DATABASE_PATH: dbPath, PORT: String(port) });
    expect(r.stderr()).not.toMatch(/admin password/);
    await expect(loginAdmin(`http://127.0.0.1:${port}`, password)).resolves.toMatch(/^crm_enrich_admin=/);
    await stop(r.child, r.exit);
  });

  it('when the password is reset, then a new one is printed on stdout, it logs in and the old one does not', async () => {
    const reset = cli(['admin', 'reset-password'], { DATABASE_PATH: dbPath });
    expect(reset.code, reset.stderr).toBe(0);
    const fresh = reset.stdout.trim();
    expect(fresh).toMatch(/^\S{16,}$/);
    expect(fresh).not.toBe(password);
    const r = await startServe({ DATABASE_PATH: dbPath, PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await expect(loginAdmin(base, fresh)).resolves.toMatch(/^crm_enrich_admin=/);
    await expect(loginAdmin(base, password)).rejects.toThrow(/admin login failed/);
    await stop(r.child, r.exit);
  });

  it('when ADMIN_PASSWORD is set, then reset-password refuses with one line (the variable would win at the next start)', () => {
    const r = cli(['admin', 'reset-password'], { DATABASE_PATH: dbPath, ADMIN_PASSWORD: 'chosen-by-the-admin' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['crm-enrich: ADMIN_PASSWORD is set and the server applies it at every start: change it there']);
  });
});

describe('.env in the working directory', () => {
  it('when a .env names the database, then the command uses it; a variable already set wins over the file', () => {
    const cwd = mkdtempSync(join(dir, 'dotenv-'));
    writeFileSync(join(cwd, '.env'), '# local settings\nDATABASE_PATH=./from-dotenv/db.sqlite\nLOG_LEVEL="silent"\n');
    const fromFile = cli(['accounts', 'create', 'acme'], {}, cwd);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(existsSync(join(cwd, 'from-dotenv', 'db.sqlite'))).toBe(true);

    const set = join(cwd, 'from-env', 'db.sqlite');
    const fromEnv = cli(['accounts', 'create', 'acme'], { DATABASE_PATH: set }, cwd);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(existsSync(set)).toBe(true);
  });

  it('when .env sets a bad value, then the configuration error names it', () => {
    const cwd = mkdtempSync(join(dir, 'dotenv-bad-'));
    writeFileSync(join(cwd, '.env'), 'PORT=not-a-port\n');
    const r = cli(['accounts', 'create', 'acme'], { DATABASE_PATH: join(cwd, 'db.sqlite') }, cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PORT/);
  });
});
