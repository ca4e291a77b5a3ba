import type { Db } from './open.js';
import type { CreditStore, LedgerEntry } from '../enrichment/ports.js';

export interface CreditSummary {
  account: string;
  account_id: string;
  requests: number;
  found: number;
  cache_hits: number;
  credits: number;
}

export function monthStartUtc(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function createLedgerRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO credit_ledger (account_id, api_key_id, connection_id, input_kind, outcome, found, cache_hit, provider, credits,
       latency_ms, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING`,
  );
  const monthSum = db.prepare<[string, number], { c: number | null }>(
    'SELECT SUM(credits) AS c FROM credit_ledger WHERE account_id = ? AND created_at >= ?',
  );
  const byKey = db.prepare<[string], { credits: number; found: number }>('SELECT credits, found FROM credit_ledger WHERE idempotency_key = ?');
  const summary = db.prepare<[number, number], CreditSummary>(
    `SELECT a.name AS account, a.id AS account_id, COUNT(l.id) AS requests, COALESCE(SUM(l.found), 0) AS found,
            COALESCE(SUM(l.cache_hit), 0) AS cache_hits, COALESCE(SUM(l.credits), 0) AS credits
       FROM accounts a LEFT JOIN credit_ledger l ON l.account_id = a.id AND l.created_at >= ? AND l.created_at < ?
      GROUP BY a.id ORDER BY a.name`,
  );
  const daily = db.prepare<[string, number], { day: string; requests: number; found: number; credits: number }>(
    `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS requests, SUM(found) AS found, SUM(credits) AS credits
       FROM credit_ledger WHERE account_id = ? AND created_at >= ? GROUP BY day ORDER BY day`,
  );

  const store: CreditStore & {
    summary(since: number, until?: number): CreditSummary[];
    daily(accountId: string, since: number): { day: string; requests: number; found: number; credits: number }[];
  } = {
    creditsThisMonth: (accountId, now) => monthSum.get(accountId, monthStartUtc(now))?.c ?? 0,
    record(e: LedgerEntry) {
      const r = insert.run(
        e.accountId, e.apiKeyId ?? null, e.connectionId ?? null, e.inputKind, e.outcome, e.found ? 1 : 0, e.cacheHit ? 1 : 0,
        e.provider, e.credits, Math.round(e.latencyMs), e.idempotencyKey ?? null, e.at,
      );
      return r.changes > 0;
    },
    findByIdempotencyKey(key) {
      const row = byKey.get(key);
      return row ? { credits: row.credits, found: row.found === 1 } : undefined;
    },
    summary: (since, until = Number.MAX_SAFE_INTEGER) => summary.all(since, until),
    daily: (accountId, since) => daily.all(accountId, since),
  };
  return store;
}
export type LedgerRepo = ReturnType<typeof createLedgerRepo>;
