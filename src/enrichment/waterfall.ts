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
  onAttempt?: (provider: string, outcome: 'found' | 'not_found' | 'below_floor' | 'failed', ms: number) => void;
}

export async function runWaterfall(providers: readonly Provider[], lookup: Lookup, opts: WaterfallOptions): Promise<WaterfallResult> {
  const active = providers.filter((p) => p.configured);
  if (active.length === 0) return { kind: 'not_configured' };
  const failures: ProviderError[] = [];
  let answered = false;
  for (const provider of active) {
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
