// The command line's manners, as a real child process: help per command with examples, --version, usage errors
// as one line and a pointer, API keys listed and revoked by id, unreadable dataset files failing with one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;
let dir: string;
let env: Record<string, string>;

function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crm-enrich-cli-help-'));
  env = { DATABASE_PATH: join(dir, 'db', 'crm-enrich.db'), LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help and version', () => {
  it('when a command is asked for --help, then its forms and examples go to stdout (exit 0)', () => {
    const r = cli(['sync', '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^crm-enrich sync: /);
    expect(r.stdout).toContain('crm-enrich sync <connection-id> --mode new|backfill|job-changes');
    expect(r.stdout).toMatch(/examples:\n {2}npx crm-enrich sync con_\w+ --mode backfill/);
    for (const command of ['serve', 'demo', 'admin', 'accounts', 'api-keys', 'dataset', 'enrich', 'seniority', 'connections', 'credits']) {
      const h = cli([command, '-h']);
      expect(h.code, command).toBe(0);
      expect(h.stdout, command).toMatch(new RegExp(`^crm-enrich ${command}: [\\s\\S]*examples:\\n {2}\\S`));
    }
  });

  it('when --version is asked, then the package version is printed', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `crm-enrich ${pkg.version}\n`, stderr: '' });
  });

  it('when the usage is wrong, then one line says what, one line says where the help is (exit 2), and the whole usage is not dumped', () => {
    const r = cli(['sync', 'con_x', '--mode', 'everything']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['crm-enrich: --mode must be new, backfill or job-changes', 'run "crm-enrich sync --help" for usage and examples']);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n')).toEqual(['crm-enrich: unknown command "frobnicate"', 'run "crm-enrich --help" for the list of commands']);
    const badFlag = cli(['credits', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr.trimEnd().split('\n')).toHaveLength(2);
    expect(badFlag.stderr).toContain('run "crm-enrich credits --help"');
  });
});

describe('api-keys list and revoke', () => {
  it('when keys are created, then list shows them by id, account and prefix (never the key), and revoke stops one', async () => {
    const key = cli(['api-keys', 'create', '--account', 'acme']).stdout.trim();
    expect(key).toMatch(/^gtm_live_/);
    cli(['api-keys', 'create', '--account', 'globex']);
    const listed = cli(['api-keys', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(key);
    const rows = JSON.parse(listed.stdout) as { id: string; account: string; prefix: string; revoked_at: string | null }[];
    expect(rows.map((r) => r.account).sort()).toEqual(['acme', 'globex']);
    const acme = rows.find((r) => r.account === 'acme')!;
    expect(key.startsWith(acme.prefix)).toBe(true);
    expect(acme.revoked_at).toBeNull();

    const table = cli(['api-keys', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^id +account +prefix +label +created +last used +status$/);
    expect(table.stdout).toMatch(new RegExp(`${acme.id} +acme +${acme.prefix}… .* active\\n`));

    const revoked = cli(['api-keys', 'revoke', acme.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain(`API key ${acme.id}`);
    const after = JSON.parse(cli(['api-keys', 'list', '--json']).stdout) as { id: string; revoked_at: string | null }[];
    expect(after.find((r) => r.id === acme.id)!.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The revoked key no longer enriches anything.
    const { createServices } = await import('../../src/main.js');
    const { loadConfig } = await import('../../src/config/load.js');
    const s = createServices(loadConfig({ ...env }));
    try {
      expect(s.repos.apiKeys.authenticate(key)).toBeUndefined();
    } finally {
      s.close();
    }

    const again = cli(['api-keys', 'revoke', acme.id]);
    expect(again.code).toBe(1);
    expect(again.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already revoked/);
    const missing = cli(['api-keys', 'revoke', 'key_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no API key "key_nope"/);
    expect(cli(['api-keys', 'revoke']).code).toBe(2);
  });
});

describe('dataset import of files that are not text files', () => {
  const oneLine = (r: { stderr: string }) => r.stderr.trimEnd().split('\n');

  it('when the file is a FIFO, then it fails at once with one line (it does not wait for a writer)', () => {
    const fifo = join(dir, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = cli(['dataset', 'import', fifo], 30_000);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toEqual([`crm-enrich: ${fifo} is a named pipe (FIFO), not a regular file: save the data to a file first, then import that file`]);
  });

  it('when the file is /dev/zero, then it fails at once with one line (it does not read forever)', () => {
    const r = cli(['dataset', 'import', '/dev/zero'], 30_000);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(oneLine(r)).toEqual(['crm-enrich: /dev/zero is a device, not a regular file: save the data to a file first, then import that file']);
  });

  it('when the file is binary, gzip-compressed, UTF-16 or a directory, then one line names what it is', () => {
    const bin = join(dir, 'people.bin');
    writeFileSync(bin, Buffer.from([0x7b, 0x22, 0x61, 0x00, 0x01, 0x02, 0xff]));
    const gz = join(dir, 'people.jsonl.gz');
    writeFileSync(gz, gzipSync('{"email":"a@b.example"}\n'));
    const utf16 = join(dir, 'people-utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\na@b.example\n', 'utf16le')]));
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const cases: [string, RegExp][] = [
      [bin, /is binary \(a NUL byte at offset 3\), not JSONL or CSV text$/],
      [gz, /is gzip-compressed \(decompress it first: gunzip\), not JSONL or CSV text$/],
      [utf16, /is UTF-16 text \(save it as UTF-8\), not JSONL or CSV text$/],
      [folder, /is a directory: give the path of a JSONL or CSV file$/],
      [join(dir, 'missing.jsonl'), /cannot read .*missing\.jsonl: no such file$/],
    ];
    for (const [file, message] of cases) {
      const r = cli(['dataset', 'import', file]);
      expect(r.code, file).toBe(1);
      expect(r.stdout, file).toBe('');
      expect(oneLine(r), file).toHaveLength(1);
      expect(oneLine(r)[0], file).toMatch(message);
    }
  });
});
