// A fresh SQLite file in its own temporary folder, opened twice: `db` as the service's fast handle
// (synchronous=NORMAL) and `other` as a second connection (another process's view), both closed and the folder
// removed after the file's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openDb, type Db } from '../../src/db/open.js';

export function tempDbPair(name: string): { db: Db; other: Db; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), `crm-enrich-${name}-`));
  const db = openDb(join(dir, `${name}.db`), { synchronous: 'NORMAL' });
  const other = openDb(join(dir, `${name}.db`));
  afterAll(() => {
    db.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, other, dir };
}
