// Real-shaped dataset records for the import tests and the import benchmark: the sample profiles
// (config/sample-profiles.jsonl) cycled, each copy with its own email and LinkedIn URL, written the way PDL-style
// exports write them (null for every missing value, nested ones included). About 1.4 KB a record as JSONL.
// Every fifth record carries a title seen nowhere else in the first few thousand records ("VP of Sales, EMEA 417"),
// so per-title caching is measured against a long tail of titles, not against 67 repeated ones.
import { readFileSync } from 'node:fs';

const SAMPLES: Record<string, unknown>[] = readFileSync(new URL('../../config/sample-profiles.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const TEAMS = ['EMEA', 'North America', 'DACH', 'Enterprise', 'SMB', 'Platform', 'Growth'];

/** Record `i` (deterministic). Its email is `<local>+<i>@<domain>` and its LinkedIn slug `<slug>-<i>`. */
export function datasetRecord(i: number): Record<string, unknown> {
  const base = SAMPLES[i % SAMPLES.length]!;
  const [local, domain] = String(base.email ?? `person@sample.example`).split('@');
  const slug = /\/in\/([^/?#]+)/.exec(String(base.linkedin_url ?? ''))?.[1] ?? 'person';
  const experience = ((base.experience as Record<string, unknown>[] | undefined) ?? []).map((e) => ({
    department: null,
    location: null,
    description: null,
    ...e,
    end_date: e.end_date === '' ? null : e.end_date,
  }));
  const title = i % 5 === 0 && typeof base.title === 'string' ? `${base.title}, ${TEAMS[i % TEAMS.length]} ${i % 9973}` : base.title;
  return { ...base, email: `${local}+${i}@${domain}`, linkedin_url: `https://www.linkedin.com/in/${slug}-${i}`, title, experience };
}

/** Records `from` … `from + n - 1` as JSONL lines (without newlines). */
export function* datasetLines(n: number, from = 0): Generator<string> {
  for (let i = from; i < from + n; i++) yield JSON.stringify(datasetRecord(i));
}

/** The same records as a JSONL text (newline-terminated). */
export function datasetJsonl(n: number, from = 0): string {
  let out = '';
  for (const line of datasetLines(n, from)) out += `${line}\n`;
  return out;
}
