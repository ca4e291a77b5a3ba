// The helpers that run a storage suite on both engines: each half gets its own migrated database, and a reset
// between tests empties it and numbers new rows from 1 again, as a new SQLite file would.
import { beforeEach, expect, it } from 'vitest';
import { dialectOf, type Db } from '../../src/db/open.js';
import { createQueue } from '../../src/jobs/queue.js';
import { fixedClock } from '../../src/lib/clock.js';
import { describeEachBackend, useTestDb } from '../helpers/backends.js';

describeEachBackend('a test database', (backend) => {
  const store = useTestDb(backend, 'helper');
  let db: Db;
  beforeEach(() => {
    db = store.reset();
  });
  const queue = () => createQueue(db, { clock: fixedClock(new Date('2026-12-01T00:00:00Z')) });
  const jobs = () => db.prepare('SELECT COUNT(*) FROM jobs').pluck().get() as number;

  it(`when it is opened, then it is ${backend}, migrated and empty`, () => {
    expect(dialectOf(db)).toBe(backend);
    expect((db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get() as number) > 0).toBe(true);
    expect(jobs()).toBe(0);
  });

  it('when a test wrote rows, then the next test starts empty and numbers new rows from 1 again (first half)', () => {
    const q = queue();
    expect([q.enqueue('t', {}).id, q.enqueue('t', {}).id]).toEqual([1, 2]);
  });

  it('when a test wrote rows, then the next test starts empty and numbers new rows from 1 again (second half)', () => {
    expect(jobs()).toBe(0);
    expect(queue().enqueue('t', {}).id).toBe(1);
  });
});
