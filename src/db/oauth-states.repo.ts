// OAuth `state` values: random, single-use, expiring, stored hashed, and bound to the admin session that started
// the install (its SHA-256 session id); the PKCE verifier travels with them, encrypted.
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
    'INSERT INTO oauth_states (state_hash, crm, account_name, code_verifier_enc, session_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // The session is part of the WHERE clause: a state presented from another browser is neither returned nor
  // spent, so the admin's own callback still works after a forged one was refused.
  const take = db.prepare<[number, string, string, number], { crm: string; account_name: string | null; code_verifier_enc: string | null }>(
    'UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND session_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING crm, account_name, code_verifier_enc',
  );
  const purge = db.prepare('DELETE FROM oauth_states WHERE expires_at <= ? OR used_at IS NOT NULL');

  return {
    create(p: { crm: string; accountName: string | null; codeVerifier: string | null; sessionHash: string; ttlMs: number; now: number }): string {
      // Expired and used states are worthless: dropping them here keeps the table at the states of the last
      // few minutes (only an admin session can add one).
      purge.run(p.now);
      const state = randomToken(24);
      insert.run(sha256Hex(state), p.crm, p.accountName, p.codeVerifier ? cipher.encrypt(p.codeVerifier) : null, p.sessionHash, p.now, p.now + p.ttlMs);
      return state;
    },
    /**
     * Marks the state used and returns what it carried; undefined for unknown, expired or reused states and for a
     * state started by another admin session (or by none).
     */
    consume(state: string, crm: string, sessionHash: string | undefined, now: number): ConsumedState | undefined {
      if (!state || state.length > 200 || !sessionHash) return undefined;
      const row = take.get(now, sha256Hex(state), sessionHash, now);
      if (!row || row.crm !== crm) return undefined;
      return { crm: row.crm, accountName: row.account_name, codeVerifier: row.code_verifier_enc ? cipher.decrypt(row.code_verifier_enc) : null };
    },
    purgeExpired(now: number): number {
      return purge.run(now).changes;
    },
  };
}
export type OAuthStatesRepo = ReturnType<typeof createOAuthStatesRepo>;
