// The dataset import stores LinkedIn URLs in their canonical form: a person imported as
// "HTTP://LinkedIn.com/in/Jane-Doe/?trk=x" is found through the API by every spelling of that profile.
// Written against public behaviour only (the `dataset import` command, then API lookups on the same database),
// so it holds whatever the importer's internals look like.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startService, type TestService } from '../helpers/service.js';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;
// No cache: every lookup below reaches the dataset itself.
const ENV = { LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' };
let dir: string;
let t: TestService | undefined;

function importFile(name: string, text: string): { imported: number; skipped: number } {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [BIN, 'dataset', 'import', file], {
    env: { ...process.env, ...ENV, DATABASE_PATH: join(dir, 'crm-enrich.db') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function byLinkedIn(url: string): Promise<{ found: boolean; profile: { full_name: string | null; title: string | null; linkedin_url: string | null } | null }> {
  t ??= await startService({ dir, env: ENV });
  const r = await post(`${t.url}/v1/profile/enrich`, { linkedin_url: url }, { 'x-api-key': t.apiKey() });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crm-enrich-dataset-li-'));
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dataset import and LinkedIn URLs', () => {
  it('when JSONL and CSV records carry LinkedIn URLs in non-canonical spellings, then each person is found by the canonical URL and by other spellings', async () => {
    const jsonl = [
      JSON.stringify({ linkedin_url: 'HTTP://LinkedIn.com/in/Jane-Doe/?trk=public_profile', full_name: 'Jane Doe', title: 'CFO', company: 'Acme' }),
      JSON.stringify({ linkedin_url: 'de.linkedin.com/in/max-mustermann-4711', full_name: 'Max Mustermann', title: 'CTO', company: 'Beispiel GmbH' }),
    ].join('\n');
    expect(importFile('people.jsonl', jsonl)).toMatchObject({ imported: 2, skipped: 0 });
    const csv = 'linkedin_url,full_name,title,company\n"https://www.linkedin.com/in/%C3%A9lodie-martin/#experience",Élodie Martin,VP Sales,Exemple SA\n';
    expect(importFile('people.csv', csv)).toMatchObject({ imported: 1, skipped: 0 });

    expect(await byLinkedIn('https://www.linkedin.com/in/jane-doe')).toMatchObject({
      found: true,
      profile: { full_name: 'Jane Doe', linkedin_url: 'https://www.linkedin.com/in/jane-doe' },
    });
    expect((await byLinkedIn('linkedin.com/in/JANE-DOE/')).found).toBe(true);
    expect(await byLinkedIn('https://www.linkedin.com/in/max-mustermann-4711')).toMatchObject({ found: true, profile: { full_name: 'Max Mustermann' } });
    expect(await byLinkedIn('https://www.linkedin.com/in/élodie-martin')).toMatchObject({ found: true, profile: { full_name: 'Élodie Martin' } });
  });

  it('when a person is imported again under another spelling of the same URL, then the record is updated, not duplicated', async () => {
    // The server holds no dataset state, but an idle keep-alive socket would not survive the import's seconds.
    await t?.close();
    t = undefined;
    const again = JSON.stringify({ linkedin_url: 'https://linkedin.com/in/jane-doe?utm_source=x', full_name: 'Jane Doe', title: 'CEO', company: 'Acme' });
    expect(importFile('again.jsonl', again)).toMatchObject({ imported: 1, skipped: 0 });
    // Every spelling, the first import's included, now answers with the newer record.
    for (const url of ['https://www.linkedin.com/in/jane-doe', 'HTTP://LinkedIn.com/in/Jane-Doe/?trk=public_profile']) {
      expect((await byLinkedIn(url)).profile?.title, url).toBe('CEO');
    }
  });
});
