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

  // Group commit: rows recorded during one turn of the event loop are committed in one transaction, and each
  // caller's promise resolves only after its row is on disk. Under load this turns N commits into one, without
  // answering a request before its ledger row exists.
  let pending: { entry: LedgerEntry; resolve: (written: boolean) => void; reject: (err: unknown) => void }[] = [];
  const insertAll = db.transaction((rows: LedgerEntry[]) =>
    rows.map(
      (e) =>
        insert.run(
          e.accountId, e.apiKeyId ?? null, e.connectionId ?? null, e.inputKind, e.outcome, e.found ? 1 : 0, e.cacheHit ? 1 : 0,
          e.provider, e.credits, Math.round(e.latencyMs), e.idempotencyKey ?? null, e.at,
        ).changes > 0,
    ),
  );
  // Monthly totals per account: re-read from the table every 2 s (another process may charge the same account) and
  // kept current in between with this process's own commits, so the limit check costs no table scan per request.
  const months = new Map<string, { month: number; base: number; at: number }>();

  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      const written = insertAll(batch.map((p) => p.entry));
      batch.forEach((p, i) => {
        const m = months.get(p.entry.accountId);
        if (written[i] && m && m.month === monthStartUtc(p.entry.at)) m.base += p.entry.credits;
        p.resolve(written[i]!);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  const store: CreditStore & {
    summary(since: number, until?: number): CreditSummary[];
    daily(accountId: string, since: number): { day: string; requests: number; found: number; credits: number }[];
    flush(): void;
  } = {
    creditsThisMonth(accountId, now) {
      const month = monthStartUtc(now);
      let m = months.get(accountId);
      if (!m || m.month !== month || now - m.at > 2000 || now < m.at) {
        m = { month, base: monthSum.get(accountId, month)?.c ?? 0, at: now };
        months.set(accountId, m);
      }
      let inFlight = 0;
      for (const p of pending) if (p.entry.accountId === accountId && p.entry.at >= month) inFlight += p.entry.credits;
      return m.base + inFlight;
    },
    record(entry: LedgerEntry) {
      return new Promise<boolean>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ entry, resolve, reject });
      });
    },
    findByIdempotencyKey(key) {
      const queued = pending.find((p) => p.entry.idempotencyKey === key);
      if (queued) return { credits: queued.entry.credits, found: queued.entry.found };
      const row = byKey.get(key);
      return row ? { credits: row.credits, found: row.found === 1 } : undefined;
    },
    summary: (since, until = Number.MAX_SAFE_INTEGER) => summary.all(since, until),
    daily: (accountId, since) => daily.all(accountId, since),
    flush,
  };
  return store;
}
export type LedgerRepo = ReturnType<typeof createLedgerRepo>;
