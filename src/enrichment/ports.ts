// What the enrichment core needs from storage, as small interfaces (the core imports no SQL).
import type { Profile } from './contract.js';

export interface CachedProfile {
  /** The normalised profile as JSON, stored and served as is. */
  profileJson: string;
  confidence: number;
  provider: string;
  fetchedAt: number;
}

export interface ProfileCacheStore {
  /** The first live entry among the keys, in order. */
  get(keys: string[], now: number): CachedProfile | undefined;
  put(keys: string[], entry: CachedProfile, expiresAt: number): void;
}

export type InputKind = 'email' | 'linkedin_url' | 'both';
export type LedgerOutcome = 'found' | 'not_found' | 'failed' | 'rejected';

export interface LedgerEntry {
  accountId: string;
  apiKeyId?: string | undefined;
  connectionId?: string | undefined;
  inputKind: InputKind;
  outcome: LedgerOutcome;
  found: boolean;
  cacheHit: boolean;
  provider: string | null;
  credits: number;
  latencyMs: number;
  /** Held only by a charged row: a retried job passes the same key and is charged once. */
  idempotencyKey?: string | undefined;
  /** The idempotency key of the record an uncharged attempt (failed, refused, not found) belonged to. */
  attemptKey?: string | undefined;
  /** X-Request-Id of the API request that caused the row. */
  requestId?: string | undefined;
  /** The credit reservation the request held (CreditStore.reserve): freed in the same transaction as the row. */
  reservationId?: string | undefined;
  at: number;
}

export interface CreditStore {
  /** Credits charged to the account since the start of the calendar month (UTC) containing `now`. */
  creditsThisMonth(accountId: string, now: number): number;
  /** Resolves once the entry is stored; false when an entry with the same idempotency key already existed. */
  record(entry: LedgerEntry): Promise<boolean>;
  /** The credits an earlier request with this idempotency key was charged, if any. */
  findByIdempotencyKey(key: string): { credits: number; found: boolean } | undefined;
  /**
   * Credits charged to the account this month plus those its live reservations hold (every process's): what the
   * monthly limit is checked against.
   */
  creditsHeld(accountId: string, now: number): number;
  /**
   * In one transaction (across processes): when the credits charged this month, the live reservations and `credits`
   * fit within `limit`, holds `credits` until the reservation is released or `expiresAt` (epoch ms) passes, and
   * returns its id; otherwise holds nothing and returns undefined.
   */
  reserve(accountId: string, credits: number, limit: number, now: number, expiresAt: number): string | undefined;
  /** Frees a reservation (nothing when it is gone already). A ledger entry naming it frees it with its row instead. */
  release(reservationId: string): void;
}

export interface DatasetStore {
  findByEmail(email: string): { profile: Profile; confidence: number } | undefined;
  findByLinkedIn(url: string): { profile: Profile; confidence: number } | undefined;
  /** Batch form: the stored profiles whose email, or whose LinkedIn URL, is among the given ones, in one query each. */
  findMany?(emails: readonly string[], linkedinUrls: readonly string[]): {
    byEmail: Map<string, { profile: Profile; confidence: number }>;
    byLinkedIn: Map<string, { profile: Profile; confidence: number }>;
  };
}

/** Counters the core reports to (Prometheus in the service; src/lib/metrics.ts implements it). */
export interface EnrichMetrics {
  enrichment(provider: string, outcome: LedgerOutcome | 'cache_hit'): void;
  credits(n: number): void;
  providerCall(provider: string, outcome: string, seconds: number): void;
}
