// The local dataset provider's storage: profiles imported by `crm-enrich dataset import`, keyed by canonical
// email and LinkedIn URL (either may be absent, not both).
import { dialectOf, type Db } from './db.js';
import type { DatasetStore } from '../enrichment/ports.js';
import type { DatasetRow } from '../enrichment/dataset-import.js';
import { Profile } from '../enrichment/contract.js';

/**
 * WAL pages between two checkpoints during an import (~40 MB; SQLite's default is 1,000 pages, 4 MB). A
 * checkpoint syncs the WAL and the database file to disk even with synchronous=NORMAL: at the default an import
 * waits for two fsyncs every ~3,000 records. Commits are exactly as durable as before (each is in the WAL); the
 * WAL file merely grows to ~40 MB before it is copied back.
 */
const IMPORT_CHECKPOINT_PAGES = 10_000;

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
  /** One `IN (…)` query per non-empty chunk (SQLite allows 32,766 bound values, PostgreSQL 65,535; a batch is far below that). */
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
    /** Runs a whole streamed import with checkpoints IMPORT_CHECKPOINT_PAGES apart, then restores the setting. */
    async bulk<T>(run: () => Promise<T>): Promise<T> {
      // dialect: WAL checkpoint tuning exists on SQLite only; PostgreSQL runs the import as it is.
      if (dialectOf(db) !== 'sqlite') return run();
      const pages = db.pragma('wal_autocheckpoint', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${IMPORT_CHECKPOINT_PAGES}`);
      try {
        return await run();
      } finally {
        db.pragma(`wal_autocheckpoint = ${pages}`);
        // why: leave no 40 MB WAL behind for the next reader to scan; PASSIVE never waits for a reader.
        db.pragma('wal_checkpoint(PASSIVE)');
      }
    },
  } satisfies DatasetStore & Record<string, unknown>;
  return repo;
}
export type DatasetRepo = ReturnType<typeof createDatasetRepo>;
