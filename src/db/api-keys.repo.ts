// API keys: gtm_live_<random>; only the SHA-256 is stored, with a short prefix so admins can tell keys apart.
import type { Db } from './open.js';
import { newId } from './ids.js';
import { createTtlMemo, MEMO_TTL_MS } from './memo.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';
import type { Clock } from '../lib/clock.js';

export const API_KEY_PREFIX = 'gtm_live_';

export interface ApiKeyRow {
  id: string;
  account_id: string;
  prefix: string;
  label: string | null;
  /** Epoch ms, like every time in the database. */
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ApiKeyPrincipal {
  keyId: string;
  accountId: string;
  /** The account's monthly credit limit (0 = none), read with the key: one query per request. */
  monthlyLimit: number;
}

const TOUCH_EVERY_MS = 60_000;

/** `memoize`: keep recent principals in memory (see memo.ts); the server's API handle does, the CLI does not. */
export function createApiKeysRepo(db: Db, clock: Clock, opts: { memoize?: boolean } = {}) {
  const insert = db.prepare('INSERT INTO api_keys (id, account_id, prefix, key_hash, label, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const byHash = db.prepare<[string], { id: string; account_id: string; monthly_credit_limit: number }>(
    // A correlated subquery plans as a unique-index lookup plus a primary-key lookup (3x cheaper than the join).
    `SELECT k.id, k.account_id, (SELECT monthly_credit_limit FROM accounts WHERE id = k.account_id) AS monthly_credit_limit
       FROM api_keys k WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
  );
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const list = db.prepare<[], ApiKeyRow & { account_name: string }>(
    `SELECT k.id, k.account_id, k.prefix, k.label, k.created_at, k.last_used_at, k.revoked_at, a.name AS account_name
       FROM api_keys k JOIN accounts a ON a.id = k.account_id ORDER BY k.created_at DESC`,
  );
  // last_used_at is advisory: writing it on every request would put a disk write on the hot path.
  const lastTouched = new Map<string, number>();
  // Principals of keys seen in the last second: a request costs no hash and no query. A key revoked through this
  // repository stops at once; one revoked by another process (or a limit set there) within MEMO_TTL_MS.
  const memo = createTtlMemo<ApiKeyPrincipal>({ enabled: opts.memoize === true, ttlMs: MEMO_TTL_MS, max: 10_000 });

  return {
    create(accountId: string, label?: string): { id: string; key: string } {
      const key = API_KEY_PREFIX + randomToken(24);
      const id = newId('key');
      insert.run(id, accountId, key.slice(0, API_KEY_PREFIX.length + 6), sha256Hex(key), label ?? null, clock.now());
      return { id, key };
    },
    authenticate(key: string, now = clock.now()): ApiKeyPrincipal | undefined {
      if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return undefined;
      let principal = memo.get(key, now);
      if (!principal) {
        const row = byHash.get(sha256Hex(key));
        if (!row) return undefined;
        principal = { keyId: row.id, accountId: row.account_id, monthlyLimit: row.monthly_credit_limit };
        memo.set(key, principal, now);
      }
      const last = lastTouched.get(principal.keyId) ?? 0;
      if (now - last >= TOUCH_EVERY_MS) {
        lastTouched.set(principal.keyId, now);
        touch.run(now, principal.keyId);
      }
      return principal;
    },
    revoke(id: string): boolean {
      memo.clear();
      return revoke.run(clock.now(), id).changes > 0;
    },
    list: () => list.all(),
  };
}
export type ApiKeysRepo = ReturnType<typeof createApiKeysRepo>;
