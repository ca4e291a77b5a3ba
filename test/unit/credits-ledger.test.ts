// The credit ledger on a real SQLite file: monthly totals per account in UTC calendar months (also while rows
// are still being group-committed), idempotency keys charging once, and the admin summaries. Found by
// npm run mutate -- credits: the API tests never crossed a month or a second process.
import { join } from 'node:path';
import { systemClock } from '../../src/lib/clock.js';
import { describe, expect, it } from 'vitest';
import { tempDbPair } from '../helpers/temp-db.js';
import { openDb } from '../../src/db/open.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createLedgerRepo, monthStartUtc } from '../../src/db/ledger.repo.js';
import type { LedgerEntry } from '../../src/enrichment/ports.js';

const { db, other, dir } = tempDbPair('ledger');

const accounts = createAccountsRepo(db, systemClock);
const acme = accounts.ensure('acme').id;
const globex = accounts.ensure('globex').id;
const DEC = Date.UTC(2026, 11, 3, 12);
const NOV_LAST = Date.UTC(2026, 10, 30, 23, 59, 59, 999);
const DEC_FIRST = Date.UTC(2026, 11, 1);

const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({
  accountId: acme,
  inputKind: 'email',
  outcome: 'found',
  found: true,
  cacheHit: false,
  provider: 'dataset',
  credits: 3,
  latencyMs: 4.4,
  at: DEC,
  ...over,
});

describe('credit ledger', () => {
  const ledger = createLedgerRepo(db);

  it('counts a month from its first UTC millisecond: the last one of November is not December', async () => {
    expect(monthStartUtc(DEC)).toBe(DEC_FIRST);
    expect(monthStartUtc(DEC_FIRST)).toBe(DEC_FIRST);
    expect(monthStartUtc(NOV_LAST)).toBe(Date.UTC(2026, 10, 1));
    await ledger.record(entry({ at: NOV_LAST, credits: 3 }));
    expect(ledger.creditsThisMonth(acme, NOV_LAST)).toBe(3);
    await ledger.record(entry({ at: DEC_FIRST, credits: 3 }));
    await ledger.record(entry({ accountId: globex, at: DEC, credits: 3 }));
    await ledger.record(entry({ outcome: 'not_found', found: false, credits: 0, provider: null, at: DEC }));
    expect(ledger.creditsThisMonth(acme, DEC)).toBe(3);
    expect(ledger.creditsThisMonth(globex, DEC)).toBe(3);
    expect(ledger.creditsThisMonth('acc_nobody', DEC)).toBe(0);
  });

  it('when the same idempotency key is recorded twice, then one row and one charge; the key finds what was charged', async () => {
    const before = ledger.creditsThisMonth(acme, DEC);
    expect(await ledger.record(entry({ idempotencyKey: 'run:1:contact:7', credits: 3 }))).toBe(true);
    expect(await ledger.record(entry({ idempotencyKey: 'run:1:contact:7', credits: 3 }))).toBe(false);
    expect(ledger.creditsThisMonth(acme, DEC)).toBe(before + 3);
    expect(ledger.findByIdempotencyKey('run:1:contact:7')).toEqual({ credits: 3, found: true });
    await ledger.record(entry({ idempotencyKey: 'run:1:contact:8', outcome: 'not_found', found: false, credits: 0 }));
    expect(ledger.findByIdempotencyKey('run:1:contact:8')).toEqual({ credits: 0, found: false });
    expect(ledger.findByIdempotencyKey('run:1:contact:9')).toBeUndefined();
  });

  it('when rows are still waiting for their group commit, then the month total and the key lookup already see them', async () => {
    const before = ledger.creditsThisMonth(acme, DEC);
    const pending = ledger.record(entry({ idempotencyKey: 'pending:1', credits: 3 }));
    const lastMonth = ledger.record(entry({ idempotencyKey: 'pending:2', credits: 3, at: NOV_LAST }));
    const otherAccount = ledger.record(entry({ accountId: globex, idempotencyKey: 'pending:3', credits: 3 }));
    expect(ledger.creditsThisMonth(acme, DEC)).toBe(before + 3);
    expect(ledger.findByIdempotencyKey('pending:1')).toEqual({ credits: 3, found: true });
    await Promise.all([pending, lastMonth, otherAccount]);
    expect(ledger.creditsThisMonth(acme, DEC)).toBe(before + 3);
  });

  it('when another process charges the account, then the total includes it within 2 s, and at once in a new month or an earlier time', async () => {
    const mine = ledger.creditsThisMonth(acme, DEC);
    other
      .prepare(`INSERT INTO credit_ledger (account_id, input_kind, outcome, found, cache_hit, provider, credits, latency_ms, created_at) VALUES (?, 'email', 'found', 1, 0, 'dataset', 3, 1, ?)`)
      .run(acme, DEC);
    expect(ledger.creditsThisMonth(acme, DEC + 2_000)).toBe(mine);
    expect(ledger.creditsThisMonth(acme, DEC + 2_001)).toBe(mine + 3);
    const seen = ledger.creditsThisMonth(acme, DEC + 2_001);
    other
      .prepare(`INSERT INTO credit_ledger (account_id, input_kind, outcome, found, cache_hit, provider, credits, latency_ms, created_at) VALUES (?, 'email', 'found', 1, 0, 'dataset', 3, 1, ?)`)
      .run(acme, DEC);
    // A clock that went back re-reads instead of trusting the memory.
    expect(ledger.creditsThisMonth(acme, DEC + 1_000)).toBe(seen + 3);
    expect(ledger.creditsThisMonth(acme, Date.UTC(2027, 0, 1))).toBe(0);
  });

  it('summarises requests, hits and credits per account for a period, every account listed', async () => {
    const fresh = openDb(join(dir, 'summary.db'), { synchronous: 'NORMAL' });
    try {
      const a = createAccountsRepo(fresh, systemClock);
      const x = a.ensure('xeno').id;
      a.ensure('yak');
      const l = createLedgerRepo(fresh);
      await l.record(entry({ accountId: x, at: DEC, credits: 3 }));
      await l.record(entry({ accountId: x, at: DEC + 1, credits: 3, cacheHit: true }));
      await l.record(entry({ accountId: x, at: DEC + 2, credits: 0, found: false, outcome: 'not_found', provider: null }));
      await l.record(entry({ accountId: x, at: NOV_LAST, credits: 3 }));
      expect(l.summary(DEC_FIRST).map(({ account_id: _, ...r }) => r)).toEqual([
        { account: 'xeno', requests: 3, found: 2, cache_hits: 1, credits: 6 },
        { account: 'yak', requests: 0, found: 0, cache_hits: 0, credits: 0 },
      ]);
      expect(l.summary(0, DEC_FIRST).find((r) => r.account === 'xeno')).toMatchObject({ requests: 1, credits: 3 });
      expect(l.daily(x, 0)).toEqual([
        { day: '2026-11-30', requests: 1, found: 1, credits: 3 },
        { day: '2026-12-03', requests: 3, found: 2, credits: 6 },
      ]);
      const row = fresh.prepare('SELECT latency_ms, found, cache_hit, api_key_id, connection_id FROM credit_ledger ORDER BY id LIMIT 1').get();
      expect(row).toEqual({ latency_ms: 4, found: 1, cache_hit: 0, api_key_id: null, connection_id: null });
    } finally {
      fresh.close();
    }
  });
});
