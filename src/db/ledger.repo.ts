import { randomUUID } from 'node:crypto';
import type { Db } from './open.js';
import type { CreditStore, LedgerEntry } from '../enrichment/ports.js';
import { createGroupCommit } from './group-commit.js';

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

/** `YYYY-MM-DD` (UTC) of a day number (days since 1970-01-01, as `created_at / 86400000` gives it in SQL). */
export function utcDayOf(dayNumber: number): string {
  return new Date(Number(dayNumber) * 86_400_000).toISOString().slice(0, 10);
}

export function createLedgerRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO credit_ledger (account_id, api_key_id, connection_id, input_kind, outcome, found, cache_hit, provider, credits,
       latency_ms, idempotency_key, attempt_key, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING`,
  );
  const monthSum = db.prepare<[string, number], { c: number | null }>(
    'SELECT CAST(SUM(credits) AS BIGINT) AS c FROM credit_ledger WHERE account_id = ? AND created_at >= ?',
  );
  // Credit reservations (see CreditStore.reserve): live ones count against the limit in every process.
  const reservedSum = db.prepare<[string, number], { c: number | null }>(
    'SELECT CAST(COALESCE(SUM(credits), 0) AS BIGINT) AS c FROM credit_reservations WHERE account_id = ? AND expires_at > ?',
  );
  const reserveRow = db.prepare('INSERT INTO credit_reservations (id, account_id, credits, expires_at) VALUES (?, ?, ?, ?)');
  const releaseRow = db.prepare('DELETE FROM credit_reservations WHERE id = ?');
  const dropExpired = db.prepare('DELETE FROM credit_reservations WHERE expires_at <= ?');
  const byKey = db.prepare<[string], { credits: number; found: number }>('SELECT credits, found FROM credit_ledger WHERE idempotency_key = ?');
  const summary = db.prepare<[number, number], CreditSummary>(
    `SELECT a.name AS account, a.id AS account_id, COUNT(l.id) AS requests, CAST(COALESCE(SUM(l.found), 0) AS BIGINT) AS found,
            CAST(COALESCE(SUM(l.cache_hit), 0) AS BIGINT) AS cache_hits, CAST(COALESCE(SUM(l.credits), 0) AS BIGINT) AS credits
       FROM accounts a LEFT JOIN credit_ledger l ON l.account_id = a.id AND l.created_at >= ? AND l.created_at < ?
      GROUP BY a.id, a.name ORDER BY a.name`,
  );
  // Days are numbered in SQL (UTC days since the epoch: integer division on both databases) and named in TypeScript.
  const daily = db.prepare<[string, number], { day_n: number; requests: number; found: number; credits: number }>(
    `SELECT created_at / 86400000 AS day_n, COUNT(*) AS requests, CAST(SUM(found) AS BIGINT) AS found, CAST(SUM(credits) AS BIGINT) AS credits
       FROM credit_ledger WHERE account_id = ? AND created_at >= ? GROUP BY created_at / 86400000 ORDER BY day_n`,
  );

  // Monthly totals per account: re-read from the table every 2 s (another process may charge the same account) and
  // kept current in between with this process's own commits, so the limit check costs no table scan per request.
  const months = new Map<string, { month: number; base: number; at: number }>();
  // A request's ledger row is group-committed with those of concurrent requests (see group-commit.ts).
  const rows = createGroupCommit<LedgerEntry, boolean>(
    db,
    (entries) =>
      entries.map((e) => {
        // The reservation goes with the row, in one commit: no other process ever sees both, or neither.
        if (e.reservationId) releaseRow.run(e.reservationId);
        return (
          insert.run(
            e.accountId, e.apiKeyId ?? null, e.connectionId ?? null, e.inputKind, e.outcome, e.found ? 1 : 0, e.cacheHit ? 1 : 0,
            e.provider, e.credits, Math.round(e.latencyMs), e.idempotencyKey ?? null, e.attemptKey ?? null, e.requestId ?? null, e.at,
          ).changes > 0
        );
      }),
    (e, written) => {
      const m = months.get(e.accountId);
      if (written && m && m.month === monthStartUtc(e.at)) m.base += e.credits;
    },
  );

  const liveReserved = (accountId: string, now: number) => reservedSum.get(accountId, now)?.c ?? 0;
  /** This process's queued rows of the month not covered by a reservation (a reservation still counts them). */
  const queuedUnreserved = (accountId: string, month: number) => {
    let n = 0;
    for (const e of rows.pending()) if (e.accountId === accountId && e.at >= month && !e.reservationId) n += e.credits;
    return n;
  };

  /** The month's committed credits of an account, re-read from the ledger at most every 2 s (see creditsThisMonth). */
  const monthBase = (accountId: string, now: number) => {
    const month = monthStartUtc(now);
    let m = months.get(accountId);
    if (!m || m.month !== month || now - m.at > 2000 || now < m.at) {
      m = { month, base: monthSum.get(accountId, month)?.c ?? 0, at: now };
      months.set(accountId, m);
    }
    return m;
  };

  const store: CreditStore & {
    summary(since: number, until?: number): CreditSummary[];
    daily(accountId: string, since: number): { day: string; requests: number; found: number; credits: number }[];
  } = {
    creditsThisMonth(accountId, now) {
      const m = monthBase(accountId, now);
      const month = m.month;
      let inFlight = 0;
      for (const e of rows.pending()) if (e.accountId === accountId && e.at >= month) inFlight += e.credits;
      return m.base + inFlight;
    },
    creditsHeld(accountId, now) {
      const m = monthBase(accountId, now);
      return m.base + queuedUnreserved(accountId, m.month) + liveReserved(accountId, now);
    },
    reserve(accountId, credits, limit, now, expiresAt) {
      return db
        .transaction(() => {
          dropExpired.run(now);
          // Exact here (a fresh sum, not the 2-second memo): another process's charges count at once.
          const month = monthStartUtc(now);
          const base = monthSum.get(accountId, month)?.c ?? 0;
          months.set(accountId, { month, base, at: now });
          const held = base + queuedUnreserved(accountId, month) + liveReserved(accountId, now);
          if (held + credits > limit) return undefined;
          const id = randomUUID();
          reserveRow.run(id, accountId, credits, expiresAt);
          return id;
        })
        .immediate();
    },
    release(reservationId) {
      releaseRow.run(reservationId);
    },
    record: (entry) => rows.submit(entry),
    findByIdempotencyKey(key) {
      const queued = rows.pending().find((e) => e.idempotencyKey === key);
      if (queued) return { credits: queued.credits, found: queued.found };
      const row = byKey.get(key);
      return row ? { credits: row.credits, found: row.found === 1 } : undefined;
    },
    summary: (since, until = Number.MAX_SAFE_INTEGER) => summary.all(since, until),
    daily: (accountId, since) => daily.all(accountId, since).map(({ day_n, ...r }) => ({ day: utcDayOf(day_n), ...r })),
  };
  return store;
}
export type LedgerRepo = ReturnType<typeof createLedgerRepo>;
