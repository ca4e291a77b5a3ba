// The dataset importer on a real SQLite file: what a record may hold (nested nulls, caps, URLs, control
// characters), how CSV rows are cut (csv-parse, one line one record), and that a file streamed in arbitrary chunks
// imports exactly like the same text in one piece.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { createDatasetRepo } from '../../src/db/dataset.repo.js';
import { importDataset, importDatasetStream, type ImportOptions } from '../../src/enrichment/dataset-import.js';
import { createDatasetProvider } from '../../src/enrichment/providers/dataset.js';
import { datasetJsonl } from '../helpers/dataset-gen.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-dataset-'));
const db = openDb(join(dir, 'dataset.db'), { synchronous: 'NORMAL' });
const repo = createDatasetRepo(db);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  db.exec('DELETE FROM dataset_profiles');
});

const opts = (format: ImportOptions['format']): ImportOptions => ({ format, now: new Date('2026-06-01T00:00:00Z'), jobChangeWindowDays: 90 });
const jsonl = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n');
const lines = (report: { errors: { line: number }[] }) => report.errors.map((e) => e.line);

describe('dataset import: records', () => {
  it('when experience and education entries carry null (a PDL-style export), then the record is imported and null reads as absent', () => {
    const report = importDataset(
      jsonl(
        {
          email: 'nora@nulls.example',
          first_name: 'Nora',
          title: 'Head of Data',
          company: 'Nulls Inc',
          skills: ['SQL', null, 'dbt'],
          experience: [
            { company: 'Nulls Inc', title: 'Head of Data', department: null, location: null, start_date: '2025-01', end_date: null, is_current: true, description: null },
            { company: 'Old Co', title: null, department: 'Data', location: null, start_date: null, end_date: '2024-12', is_current: null, description: null },
            null,
          ],
          education: [{ school: 'TU Berlin', degree: null, field: null, start_year: null, end_year: 2015 }],
          connections: null,
          recent_job_change: null,
        },
        { email: 'otto@nulls.example', title: 'Engineer', experience: null, education: null, skills: null },
      ),
      repo,
      opts('jsonl'),
    );
    expect(report).toEqual({ imported: 2, skipped: 0, errors: [] });
    const nora = repo.findByEmail('nora@nulls.example')!.profile;
    expect(nora.skills).toEqual(['SQL', 'dbt']);
    expect(nora.experience).toEqual([
      { company: 'Nulls Inc', title: 'Head of Data', start_date: '2025-01', end_date: '', is_current: true },
      { company: 'Old Co', title: '', department: 'Data', start_date: '', end_date: '2024-12', is_current: false },
    ]);
    expect(nora.education).toEqual([{ school: 'TU Berlin', degree: '', field: '', start_year: null, end_year: 2015 }]);
    expect(nora.recent_job_change).toBe(false);
    expect(repo.findByEmail('otto@nulls.example')!.profile).toMatchObject({ experience: [], education: [], skills: [] });
  });

  it('when a string is over 2,000 characters, holds a control character, or a URL field is not http(s), then that record is an error row naming the field', () => {
    const ok = { first_name: 'Ok' };
    const report = importDataset(
      jsonl(
        { ...ok, email: 'long@caps.example', title: 'x'.repeat(2001) },
        { ...ok, email: 'nested@caps.example', experience: [{ company: 'A', title: 'B', start_date: '', end_date: '', is_current: true, description: 'y'.repeat(2001) }] },
        { ...ok, email: 'bell@caps.example', last_name: 'Doe\u0007' },
        { ...ok, email: 'esc@caps.example', company: 'Acme \u001b[31mred' },
        { ...ok, email: 'js@caps.example', twitter_url: 'javascript:alert(1)' },
        { ...ok, email: 'data@caps.example', profile_picture: 'data:image/png;base64,AAAA' },
        { ...ok, email: 'ftp@caps.example', profile_picture: 'ftp://files.example/p.png' },
        { ...ok, email: 'edge@caps.example', title: 't'.repeat(2000), twitter_url: 'twitter.com/edge', headline: 'Tab\tfree? no' },
        { ...ok, email: 'free@caps.example', experience: [{ company: 'A', title: 'B', start_date: '', end_date: '', is_current: true, description: 'Line one\n\tLine two' }] },
        { ...ok, linkedin_url: 'https://evil.example/in/someone' },
      ),
      repo,
      opts('jsonl'),
    );
    expect(report.imported).toBe(1);
    expect(report.errors).toEqual([
      { line: 1, message: 'title: longer than 2000 characters' },
      { line: 2, message: 'experience.0.description: longer than 2000 characters' },
      { line: 3, message: 'last_name: holds a control character' },
      { line: 4, message: 'company: holds a control character' },
      { line: 5, message: 'twitter_url: is not an http(s) URL' },
      { line: 6, message: 'profile_picture: is not an http(s) URL' },
      { line: 7, message: 'profile_picture: is not an http(s) URL' },
      { line: 8, message: 'headline: holds a control character' },
      { line: 10, message: 'linkedin_url is not a LinkedIn profile URL: https://evil.example/in/someone' },
    ]);
    const free = repo.findByEmail('free@caps.example')!.profile;
    expect(free.experience[0]!.description).toBe('Line one\n\tLine two');
  });

  it('when the email is not an email address or a record has neither key, then it is an error row; a key written loosely is stored canonical', () => {
    const report = importDataset(
      jsonl(
        { email: 'not-an-email', title: 'CTO' },
        { email: '', linkedin_url: null, title: 'CTO' },
        { email: '  Mixed.Case@Keys.Example ', linkedin_url: 'linkedin.com/in/Mixed-Case/' },
      ),
      repo,
      opts('jsonl'),
    );
    expect(report).toEqual({
      imported: 1,
      skipped: 2,
      errors: [
        { line: 1, message: 'email is not a valid email address: not-an-email' },
        { line: 2, message: 'a record needs an email or a linkedin_url' },
      ],
    });
    expect(db.prepare('SELECT email, linkedin_url FROM dataset_profiles').all()).toEqual([
      { email: 'mixed.case@keys.example', linkedin_url: 'https://www.linkedin.com/in/mixed-case' },
    ]);
    expect(repo.findByEmail('mixed.case@keys.example')?.profile).toMatchObject({ email: 'mixed.case@keys.example', linkedin_url: 'https://www.linkedin.com/in/mixed-case' });
  });

  it('when a record sits exactly at the caps, then it is imported and its URLs are stored in their https form', () => {
    const report = importDataset(
      jsonl({ email: 'edge@caps.example', title: 't'.repeat(2000), twitter_url: 'twitter.com/edge', profile_picture: 'http://img.example/p.png' }),
      repo,
      opts('jsonl'),
    );
    expect(report).toEqual({ imported: 1, skipped: 0, errors: [] });
    expect(repo.findByEmail('edge@caps.example')!.profile).toMatchObject({ twitter_url: 'https://twitter.com/edge', profile_picture: 'http://img.example/p.png' });
  });

  it('when a LinkedIn URL in the file is not canonical, then the record is stored and found under the canonical form', async () => {
    const report = importDataset(
      jsonl({ linkedin_url: 'http://DE.linkedin.com/in/J%C3%BCrgen-Weiss-42/details/experience/?trk=public', full_name: 'Jürgen Weiss', title: 'CTO' }),
      repo,
      opts('jsonl'),
    );
    expect(report).toEqual({ imported: 1, skipped: 0, errors: [] });
    const canonical = 'https://www.linkedin.com/in/jürgen-weiss-42';
    expect(db.prepare('SELECT linkedin_url FROM dataset_profiles').pluck().all()).toEqual([canonical]);
    expect(repo.findByLinkedIn(canonical)?.profile).toMatchObject({ linkedin_url: canonical, seniority: 'C-Level' });
    const hit = await createDatasetProvider(repo).lookup({ linkedin_url: canonical }, { signal: new AbortController().signal });
    expect(hit).toMatchObject({ found: true, profile: { full_name: 'Jürgen Weiss' } });
  });
});

describe('dataset import: upserts', () => {
  it('when a record is imported again, or its email and LinkedIn URL belong to two stored people, then one row holds the newest', () => {
    const li = (s: string) => `https://www.linkedin.com/in/${s}`;
    importDataset(jsonl({ email: 'a@up.example', linkedin_url: li('a'), title: 'One' }, { email: 'b@up.example', linkedin_url: li('b'), title: 'Two' }), repo, opts('jsonl'));
    const again = importDataset(jsonl({ email: 'A@up.example', title: 'One again' }, { email: 'a@up.example', linkedin_url: li('b'), title: 'Merged' }), repo, opts('jsonl'));
    expect(again).toEqual({ imported: 2, skipped: 0, errors: [] });
    expect(db.prepare('SELECT email, linkedin_url FROM dataset_profiles').all()).toEqual([{ email: 'a@up.example', linkedin_url: li('b') }]);
    expect(repo.findByLinkedIn(li('b'))?.profile.title).toBe('Merged');
    expect(repo.findByEmail('b@up.example')).toBeUndefined();
  });
});

describe('dataset import: CSV', () => {
  it('when a CSV has a quoted line break, a bad quote and an unclosed quote, then each line they touch is an error row and the rows around them are imported', () => {
    const csv = [
      'email,first_name,last_name,title,company',
      'ann@csv.example,Ann,A,"VP Sales, EMEA",Acme',
      'bob@csv.example,Bob,"B',
      'reak",Engineer,Acme',
      'cy@csv.example,Cy,C,"Dir"ector,Acme',
      'di@csv.example,Di,D,Man"ag"er,Acme',
      'ed@csv.example,Ed,E,"Intern ""summer""",Acme',
      'fay@csv.example,"Fay,F,Analyst,Acme',
      'gus@csv.example,Gus,G,CTO,Acme',
    ].join('\n');
    const report = importDataset(csv, repo, opts('csv'));
    expect(lines(report)).toEqual([3, 4, 5, 6, 8]);
    expect(report.imported).toBe(3);
    expect(report.errors.find((e) => e.line === 5)?.message).toBe('a quoted field has characters after its closing quote');
    expect(report.errors.find((e) => e.line === 6)?.message).toMatch(/^a quote inside an unquoted field/);
    expect(repo.findByEmail('ann@csv.example')?.profile.title).toBe('VP Sales, EMEA');
    expect(repo.findByEmail('ed@csv.example')?.profile.title).toBe('Intern "summer"');
    expect(repo.findByEmail('gus@csv.example')?.profile.title).toBe('CTO');
    for (const gone of ['bob', 'cy', 'di', 'fay']) expect(repo.findByEmail(`${gone}@csv.example`), gone).toBeUndefined();
  });

  it('when a CSV has a BOM, CRLF line ends, blank rows and more fields than the header, then rows are read by the header', () => {
    const csv = '\uFEFFEmail,Title,Skills,Connections\r\nzoe@csv.example,Staff Engineer,Go; Rust,500\r\n,,,\r\n\r\nyan@csv.example,Intern,,12,extra\r\nxi@csv.example,Manager,,lots\r\n';
    const report = importDataset(csv, repo, opts('auto'));
    expect(report).toEqual({
      imported: 1,
      skipped: 2,
      errors: [
        { line: 5, message: '5 fields, but the header names 4' },
        { line: 6, message: 'connections must be a whole number' },
      ],
    });
    expect(repo.findByEmail('zoe@csv.example')?.profile).toMatchObject({ title: 'Staff Engineer', skills: ['Go', 'Rust'], connections: 500, seniority: 'Senior' });
  });

  it('when the CSV header itself is not valid CSV, then the import stops with the reason', () => {
    expect(() => importDataset('email,"title\nann@csv.example,CTO\n', repo, opts('csv'))).toThrow(/line 1: the CSV header is not valid/);
  });
});

describe('dataset import: streaming', () => {
  it('when a file arrives in chunks cut at every possible byte, then the result equals the one-piece import', async () => {
    const text = `${datasetJsonl(6)}\r\n{not json\r\n\n${JSON.stringify({ email: 'ümlaut@stream.example', last_name: 'Grüße' })}`;
    const whole = importDataset(text, repo, opts('jsonl'));
    const stored = db.prepare('SELECT email, linkedin_url, profile_json FROM dataset_profiles ORDER BY email').all();
    expect(whole.imported).toBe(7);
    expect(whole.errors).toEqual([{ line: 8, message: 'not valid JSON' }]);
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      db.exec('DELETE FROM dataset_profiles');
      async function* chunks() {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      }
      expect(await importDatasetStream(chunks(), repo, opts('jsonl')), `chunks of ${size}`).toEqual(whole);
      expect(db.prepare('SELECT email, linkedin_url, profile_json FROM dataset_profiles ORDER BY email').all()).toEqual(stored);
    }
  });

  it('when a file streams in, then the WAL is checkpointed less often meanwhile and the setting is restored after', async () => {
    const pages = () => db.pragma('wal_autocheckpoint', { simple: true });
    const before = pages();
    const during: unknown[] = [];
    async function* chunks() {
      during.push(pages());
      yield Buffer.from(datasetJsonl(3));
      during.push(pages());
    }
    expect((await importDatasetStream(chunks(), repo, opts('jsonl'))).imported).toBe(3);
    expect(before).toBe(1000);
    expect(during).toEqual([10_000, 10_000]);
    expect(pages()).toBe(before);
  });

  it('when a line is not valid UTF-8, then it is an error row and its neighbours import', async () => {
    const good = (n: number) => Buffer.from(`${JSON.stringify({ email: `u${n}@utf.example` })}\n`);
    const bad = Buffer.concat([Buffer.from('{"email":"bad@utf.example","title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    async function* chunks() {
      yield Buffer.concat([good(1), bad, good(2)]);
    }
    expect(await importDatasetStream(chunks(), repo, opts('jsonl'))).toEqual({ imported: 2, skipped: 1, errors: [{ line: 2, message: 'not valid UTF-8' }] });
  });
});
