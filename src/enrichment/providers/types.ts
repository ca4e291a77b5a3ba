// The provider port. A provider turns a canonical lookup into a raw profile or "not found";
// everything else (seniority, job change, country code) is normalised once, in enrich.ts.
import type { Profile, Seniority } from '../contract.js';
import type { ProviderLimiter } from './limiter.js';

/** Canonical identifiers: email trimmed and lowercased, LinkedIn URL as https://www.linkedin.com/in/<slug>. */
export interface Lookup {
  email?: string | undefined;
  linkedin_url?: string | undefined;
}

export interface ProviderHit {
  found: true;
  profile: Profile;
  /** 0-100. */
  confidence: number;
  /** The provider's own seniority level, mapped to ours; a hint used when the title gives none. */
  seniorityHint?: Seniority | null | undefined;
}

export type ProviderResult = ProviderHit | { found: false };

export interface ProviderCallOptions {
  signal: AbortSignal;
}

export interface Provider {
  /** Stable name, as in ENRICH_PROVIDERS and `source_provider`. */
  readonly name: string;
  /** False when the provider lacks its configuration (API key); the waterfall skips it. */
  readonly configured: boolean;
  lookup(lookup: Lookup, opts: ProviderCallOptions): Promise<ProviderResult>;
  /**
   * Optional batch lookup: one answer per lookup, in order (at most `batchSize` lookups per call). A record the
   * provider could not answer is a ProviderError in its place; a failure of the whole call (429, 5xx, timeout)
   * is thrown. Providers without it are called per record, a few at a time.
   */
  lookupMany?(lookups: readonly Lookup[], opts: ProviderCallOptions): Promise<(ProviderResult | ProviderError)[]>;
  /** Most lookups one lookupMany call takes. */
  readonly batchSize?: number;
  /**
   * The provider's pacing (one per provider and API key): the core takes a slot before every call, the provider
   * feeds it the rate-limit headers of every answer and blocks it on a 429.
   */
  readonly limiter?: ProviderLimiter | undefined;
}

/**
 * Thrown for a provider failure (auth, quota, rate limit, 5xx, timeout, malformed answer): the waterfall
 * moves on to the next provider and nothing is charged.
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly code: string;
  /** For rate limits: when the provider may be called again (epoch ms). */
  readonly retryAtMs: number | undefined;
  constructor(provider: string, code: string, message: string, opts: { cause?: unknown; retryAtMs?: number } = {}) {
    super(`${provider}: ${message}`, { cause: opts.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.code = code;
    this.retryAtMs = opts.retryAtMs;
  }
}
