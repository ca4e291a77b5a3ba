// OAuth `state` values: random, single-use, expiring, stored hashed; the PKCE verifier travels with them, encrypted.
import type { Db } from './open.js';
import type { Cipher } from '../lib/crypto.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';

export interface ConsumedState {
  crm: string;
  accountName: string | null;
  codeVerifier: string | null;
}

export function createOAuthStatesRepo(db: Db, cipher: Cipher) {
  const insert = db.prepare(
    'INSERT INTO oauth_states (state_hash, crm, account_name, code_verifier_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const take = db.prepare<[number, string, number], { crm: string; account_name: string | null; code_verifier_enc: string | null }>(
    'UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING crm, account_name, code_verifier_enc',
  );
  const purge = db.prepare('DELETE FROM oauth_states WHERE expires_at < ?');

  return {
    create(p: { crm: string; accountName: string | null; codeVerifier: string | null; ttlMs: number; now: number }): string {
      purge.run(p.now - 86_400_000);
      const state = randomToken(24);
      insert.run(sha256Hex(state), p.crm, p.accountName, p.codeVerifier ? cipher.encrypt(p.codeVerifier) : null, p.now, p.now + p.ttlMs);
      return state;
    },
    /** Marks the state used and returns what it carried; undefined for unknown, expired or reused states. */
    consume(state: string, crm: string, now: number): ConsumedState | undefined {
      if (!state || state.length > 200) return undefined;
      const row = take.get(now, sha256Hex(state), now);
      if (!row || row.crm !== crm) return undefined;
      return { crm: row.crm, accountName: row.account_name, codeVerifier: row.code_verifier_enc ? cipher.decrypt(row.code_verifier_enc) : null };
    },
  };
}
export type OAuthStatesRepo = ReturnType<typeof createOAuthStatesRepo>;
