// The local dataset provider's storage: profiles imported by `crm-enrich dataset import`, keyed by canonical
// email and LinkedIn URL (either may be absent, not both).
import type { Db } from './open.js';
import type { DatasetStore } from '../enrichment/ports.js';
import type { DatasetRow } from '../enrichment/dataset-import.js';
import { Profile } from '../enrichment/contract.js';

export function createDatasetRepo(db: Db) {
  const byEmail = db.prepare<[string], { profile_json: string; confidence: number }>('SELECT profile_json, confidence FROM dataset_profiles WHERE email = ?');
  const byLinkedIn = db.prepare<[string], { profile_json: string; confidence: number }>(
    'SELECT profile_json, confidence FROM dataset_profiles WHERE linkedin_url = ?',
  );
  const findIds = db.prepare<[string | null, string | null], { id: number }>('SELECT id FROM dataset_profiles WHERE email = ? OR linkedin_url = ?');
  // ON CONFLICT DO NOTHING: a row that collides on either key is not inserted (changes = 0) and is merged instead.
  const insert = db.prepare(
    'INSERT INTO dataset_profiles (email, linkedin_url, profile_json, confidence, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const update = db.prepare('UPDATE dataset_profiles SET email = ?, linkedin_url = ?, profile_json = ?, confidence = ?, updated_at = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM dataset_profiles WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dataset_profiles');

  const decode = (row: { profile_json: string; confidence: number } | undefined) => {
    if (!row) return undefined;
    const parsed = Profile.safeParse(JSON.parse(row.profile_json));
    return parsed.success ? { profile: parsed.data, confidence: row.confidence } : undefined;
  };

  type Found = { profile: Profile; confidence: number };
  /** One `IN (…)` query per chunk (SQLite allows 32,766 bound values; a batch is far below that). */
  const findIn = (column: 'email' | 'linkedin_url', values: readonly string[]): Map<string, Found> => {
    const found = new Map<string, Found>();
    const unique = [...new Set(values)];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const rows = db
        .prepare<string[], { k: string; profile_json: string; confidence: number }>(
          `SELECT ${column} AS k, profile_json, confidence FROM dataset_profiles WHERE ${column} IN (${chunk.map(() => '?').join(',')})`,
        )
        .all(...chunk);
      for (const row of rows) {
        const d = decode(row);
        if (d) found.set(row.k, d);
      }
    }
    return found;
  };

  const repo = {
    findMany: (emails: readonly string[], linkedinUrls: readonly string[]) => ({
      byEmail: emails.length ? findIn('email', emails) : new Map<string, Found>(),
      byLinkedIn: linkedinUrls.length ? findIn('linkedin_url', linkedinUrls) : new Map<string, Found>(),
    }),
    findByEmail: (email: string) => decode(byEmail.get(email)),
    findByLinkedIn: (url: string) => decode(byLinkedIn.get(url)),
    /**
     * Upsert by email and by LinkedIn URL. When the two keys point at two different stored records, the new
     * record replaces both (the newest import is the truth), so a person never ends up split across rows.
     */
    upsert(p: DatasetRow): 'inserted' | 'updated' {
      const now = new Date().toISOString();
      // Most records of an import are new: trying the insert first spares them the lookup of both keys.
      if (insert.run(p.email, p.linkedin_url, p.profileJson, p.confidence, now).changes === 1) return 'inserted';
      const [keep, ...rest] = findIds.all(p.email, p.linkedin_url).map((r) => r.id);
      for (const id of rest) del.run(id);
      update.run(p.email, p.linkedin_url, p.profileJson, p.confidence, now, keep!);
      return 'updated';
    },
    count: () => count.get()!.n,
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  } satisfies DatasetStore & Record<string, unknown>;
  return repo;
}
export type DatasetRepo = ReturnType<typeof createDatasetRepo>;
