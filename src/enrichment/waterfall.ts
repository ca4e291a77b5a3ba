// Providers in ENRICH_PROVIDERS order: the first found result at or above the confidence floor wins; a failing
// provider passes to the next. Only when every configured provider failed is the whole lookup a failure.
import type { Lookup, Provider, ProviderHit } from './providers/types.js';
import { ProviderError } from './providers/types.js';

export type WaterfallResult =
  | { kind: 'found'; provider: string; hit: ProviderHit }
  | { kind: 'not_found'; failures: ProviderError[] }
  | { kind: 'failed'; failures: ProviderError[] }
  | { kind: 'not_configured' };

export interface WaterfallOptions {
  timeoutMs: number;
  minConfidence: number;
  /**
   * Providers that answered 429 with a reset time, and until when (epoch ms): they are skipped until then instead
   * of being hit again (the provider asked us to wait; PDL's x-ratelimit-reset, Apollo's retry-after).
   */
  pausedUntil?: Map<string, number>;
  now?: () => number;
  onAttempt?: (provider: string, outcome: 'found' | 'not_found' | 'below_floor' | 'failed', ms: number) => void;
}

export async function runWaterfall(providers: readonly Provider[], lookup: Lookup, opts: WaterfallOptions): Promise<WaterfallResult> {
  const active = providers.filter((p) => p.configured);
  if (active.length === 0) return { kind: 'not_configured' };
  const failures: ProviderError[] = [];
  let answered = false;
  const now = opts.now ?? Date.now;
  for (const provider of active) {
    const until = opts.pausedUntil?.get(provider.name);
    if (until !== undefined) {
      if (now() < until) {
        opts.onAttempt?.(provider.name, 'failed', 0);
        failures.push(new ProviderError(provider.name, 'rate_limited', 'paused until its rate limit resets', { retryAtMs: until }));
        continue;
      }
      opts.pausedUntil!.delete(provider.name);
    }
    const started = performance.now();
    const signal = AbortSignal.timeout(opts.timeoutMs);
    try {
      const result = await raceAbort(provider.lookup(lookup, { signal }), signal);
      const ms = performance.now() - started;
      answered = true;
      if (!result.found) {
        opts.onAttempt?.(provider.name, 'not_found', ms);
        continue;
      }
      if (result.confidence < opts.minConfidence) {
        opts.onAttempt?.(provider.name, 'below_floor', ms);
        continue;
      }
      opts.onAttempt?.(provider.name, 'found', ms);
      return { kind: 'found', provider: provider.name, hit: result };
    } catch (err) {
      opts.onAttempt?.(provider.name, 'failed', performance.now() - started);
      if (err instanceof ProviderError && err.code === 'rate_limited' && err.retryAtMs !== undefined && opts.pausedUntil) {
        // Never pause longer than an hour on one answer: a wrong clock must not disable a provider for days.
        opts.pausedUntil.set(provider.name, Math.min(err.retryAtMs, now() + 3_600_000));
      }
      failures.push(
        err instanceof ProviderError
          ? err
          : new ProviderError(provider.name, signal.aborted ? 'timeout' : 'unexpected', signal.aborted ? 'timed out' : 'failed', { cause: err }),
      );
    }
  }
  return answered ? { kind: 'not_found', failures } : { kind: 'failed', failures };
}

/** A provider that ignores its signal must still not hold the request past the timeout. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
