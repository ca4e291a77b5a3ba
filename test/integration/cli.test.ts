// The crm-enrich command run as a real child process (bin/crm-enrich.mjs on this Node), on a real database file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;
let dir: string;
let env: Record<string, string>;

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crm-enrich-cli-'));
  env = { DATABASE_PATH: join(dir, 'db', 'crm-enrich.db'), LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crm-enrich CLI', () => {
  it('when accounts are created twice, then the same id is printed', () => {
    const a = cli(['accounts', 'create', 'acme']);
    const b = cli(['accounts', 'create', 'acme']);
    expect(a.code).toBe(0);
    expect(a.stdout.trim()).toMatch(/^acc_[A-Za-z0-9_-]+$/);
    expect(b.stdout).toBe(a.stdout);
  });

  it('when the dataset is imported, then the report counts lines and names bad ones', () => {
    const file = join(dir, 'people.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ email: 'ada@analytical.example', first_name: 'Ada', last_name: 'Lovelace', title: 'Chief Technology Officer', company: 'Analytical Engines', country: 'United Kingdom' }),
        '{not json',
        JSON.stringify({ first_name: 'No', last_name: 'Keys' }),
        JSON.stringify({ linkedin_url: 'https://www.linkedin.com/in/grace-hopper/', title: 'Rear Admiral', connections: 'many' }),
        '',
      ].join('\n'),
    );
    const r = cli(['dataset', 'import', file]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.imported).toBe(1);
    expect(report.skipped).toBe(3);
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4]);
    expect(r.stderr).toBe('');
  });

  it('when a file over 10 MB is imported, then its progress goes to stderr and stdout holds only the report', () => {
    const file = join(dir, 'big.jsonl');
    // Blank lines (skipped) make the size: 110 lines of 100,000 spaces.
    writeFileSync(file, `${JSON.stringify({ email: 'big@file.example', title: 'CTO' })}\n${`${' '.repeat(99_999)}\n`.repeat(110)}`);
    const r = cli(['dataset', 'import', file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ imported: 1, skipped: 0, errors: [] });
    expect(r.stderr).toMatch(/^dataset import \(MB\) \[#+\] 11\/11 /m);
  });

  it('when a CSV is imported, then its rows are upserted', () => {
    const file = join(dir, 'people.csv');
    writeFileSync(file, 'email,first_name,last_name,title,company,country\n"ada@analytical.example",Ada,Lovelace,"Chief Executive Officer, Founder",Analytical Engines,UK\nbob@x.example,Bob,,Intern,X,\n');
    const r = cli(['dataset', 'import', file]);
    expect(JSON.parse(r.stdout)).toEqual({ imported: 2, skipped: 0, errors: [] });
  });

  it('when enriching by email, then stdout is exactly the API body', () => {
    const r = cli(['enrich', '--email', 'ADA@analytical.example', '--account', 'acme']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({ found: true, source_provider: 'dataset', credits_charged: 3, cache_hit: false });
    expect(body.profile).toMatchObject({ title: 'Chief Executive Officer, Founder', seniority: 'C-Level', country_code: 'GB' });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('when the monthly limit is set, then the next enrichment is refused with exit 1 and the 402 body', () => {
    expect(cli(['accounts', 'set-limit', 'acme', '3']).code).toBe(0);
    const r = cli(['enrich', '--email', 'ada@analytical.example', '--account', 'acme']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: 'Payment Required', message: 'credit limit reached' });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(['accounts', 'set-limit', 'acme', '0']).code).toBe(0);
  });

  it('when credits are listed as JSON, then each account has its counts', () => {
    cli(['enrich', '--email', 'ada@analytical.example', '--account', 'acme']);
    cli(['enrich', '--email', 'nobody@analytical.example', '--account', 'acme']);
    const r = cli(['credits', '--json', '--account', 'acme']);
    const rows = JSON.parse(r.stdout);
    expect(rows).toEqual([{ account: 'acme', account_id: expect.stringMatching(/^acc_/), requests: 4, found: 2, cache_hits: 1, credits: 6 }]);
    const since = cli(['credits', '--json', '--since', '2999-01-01']);
    expect(JSON.parse(since.stdout).find((x: { account: string }) => x.account === 'acme').credits).toBe(0);
  });

  it('when an API key is created, then it is printed alone and has the gtm_live_ prefix', () => {
    const r = cli(['api-keys', 'create', '--account', 'new-account']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gtm_live_[A-Za-z0-9_-]{20,}\n$/);
  });

  it('when titles are piped to seniority, then one JSON line per input line, in order', () => {
    const r = cli(['seniority'], 'VP Sales @ Acme\n\nSenior Software Engineer\nPraktikant Marketing\nEVP & CFO\n');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { title: 'VP Sales @ Acme', seniority: 'VP' },
      { title: '', seniority: null },
      { title: 'Senior Software Engineer', seniority: 'Senior' },
      { title: 'Praktikant Marketing', seniority: 'Intern' },
      { title: 'EVP & CFO', seniority: 'C-Level' },
    ]);
  });

  it('when the usage is wrong, then exit 2; when the configuration is wrong, then exit 1 with one line per problem', () => {
    expect(cli(['accounts']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['enrich']).code).toBe(2);
    const bad = spawnSync(process.execPath, [BIN, 'accounts', 'create', 'x'], {
      env: { ...process.env, ...env, PORT: 'abc', CACHE_TTL_DAYS: '-1', ENCRYPTION_KEY: 'short' },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/PORT/);
    expect(bad.stderr).toMatch(/CACHE_TTL_DAYS/);
    expect(bad.stderr).toMatch(/ENCRYPTION_KEY/);
  });

  it('when connections are listed on a fresh database, then an empty JSON array', () => {
    const r = cli(['connections', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
