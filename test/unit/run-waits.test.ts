// A run's provider waits, as the run repository keeps them: each wait recorded with its provider and window, a
// provider that repeats itself during the same wait extends that wait, and the list survives the run's end.
import { describe, expect, it } from 'vitest';
import { tempDbPair } from '../helpers/temp-db.js';
import { createSyncRunsRepo, MAX_RUN_WAITS } from '../../src/db/sync-runs.repo.js';

describe('provider waits on a run', () => {
  const { db } = tempDbPair('run-waits');
  db.pragma('foreign_keys = OFF'); // runs without a connection row: only the runs table is under test
  const runs = createSyncRunsRepo(db);

  it('when a run waits, is told again during the wait, then waits for another provider, then each wait is kept once and outlives the run', () => {
    const run = runs.create('conn_x', 'backfill', 'test', 1_000);
    expect(run.waits).toEqual([]);
    runs.addWait(run.id, { provider: 'peopledatalabs', from: 10_000, until: 12_000 });
    runs.addWait(run.id, { provider: 'peopledatalabs', from: 11_000, until: 13_500 }); // same wait, longer
    runs.addWait(run.id, { provider: 'apollo', from: 20_000, until: 21_000 });
    runs.addWait(run.id, { provider: 'peopledatalabs', from: 30_000, until: 31_000 }); // a new wait later on
    runs.finish(run.id, 'succeeded', null, 40_000);
    const done = runs.get(run.id)!;
    expect([done.waiting_provider, done.waiting_until]).toEqual([null, null]);
    expect(done.waits).toEqual([
      { provider: 'peopledatalabs', from: 10_000, until: 13_500 },
      { provider: 'apollo', from: 20_000, until: 21_000 },
      { provider: 'peopledatalabs', from: 30_000, until: 31_000 },
    ]);
  });

  it('when a run waits more often than the list keeps, then the latest waits are kept', () => {
    const run = runs.create('conn_x', 'new', 'test', 1_000);
    for (let i = 0; i < MAX_RUN_WAITS + 5; i++) runs.addWait(run.id, { provider: 'apollo', from: i * 10, until: i * 10 + 5 });
    const waits = runs.get(run.id)!.waits;
    expect(waits).toHaveLength(MAX_RUN_WAITS);
    expect(waits[0]).toEqual({ provider: 'apollo', from: 50, until: 55 });
    expect(waits.at(-1)).toEqual({ provider: 'apollo', from: (MAX_RUN_WAITS + 4) * 10, until: (MAX_RUN_WAITS + 4) * 10 + 5 });
  });
});
