// Providers in ENRICH_PROVIDERS order: the first found result at or above the confidence floor wins; a failing
// provider passes to the next. Only when every configured provider failed is the whole lookup a failure.
// A batch of lookups runs through the same waterfall: each provider is asked once for every lookup still
// unanswered (in calls of its batch size when it has a batch endpoint, else per record, a few at a time).
import type { Lookup, Provider, ProviderHit, ProviderResult } from './providers/types.js';
import { ProviderError } from './providers/types.js';
import { MAX_BLOCK_MS } from './providers/limiter.js';

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
  /**
   * Sync runs: a throttled provider is waited for and asked again, never skipped (so a rate limit never turns a
   * record into "not found" or "failed"). `onWait` is told each time a call waits. Without it (the interactive
   * API), a throttled provider is skipped until its reset.
   */
  wait?: { onWait?: ((info: { provider: string; resumesAt: number }) => void) | undefined } | undefined;
  /** Calls in flight at once to one provider (default 8). */
  concurrency?: number;
}

type Answer = ProviderResult | ProviderError;

export async function runBatchWaterfall(providers: readonly Provider[], lookups: readonly Lookup[], opts: WaterfallOptions): Promise<WaterfallResult[]> {
  const active = providers.filter((p) => p.configured);
  if (active.length === 0) return lookups.map(() => ({ kind: 'not_configured' }));
  const results: (WaterfallResult | undefined)[] = lookups.map(() => undefined);
  const failures: ProviderError[][] = lookups.map(() => []);
  const answered: boolean[] = lookups.map(() => false);
  for (const provider of active) {
    const open = lookups.flatMap((_, i) => (results[i] ? [] : [i]));
    if (open.length === 0) break;
    const answers = await askProvider(provider, open.map((i) => lookups[i]!), opts);
    answers.forEach((a, k) => {
      const i = open[k]!;
      if (a instanceof ProviderError) failures[i]!.push(a);
      else if (a.found && a.confidence >= opts.minConfidence) results[i] = { kind: 'found', provider: provider.name, hit: a };
      else answered[i] = true;
    });
  }
  return results.map((r, i) => r ?? (answered[i] ? { kind: 'not_found', failures: failures[i]! } : { kind: 'failed', failures: failures[i]! }));
}

/** One provider, every open lookup: its answers in order, a ProviderError where it failed. */
async function askProvider(provider: Provider, lookups: readonly Lookup[], opts: WaterfallOptions): Promise<Answer[]> {
  const size = provider.lookupMany ? Math.max(1, provider.batchSize ?? 1) : 1;
  const chunks: Lookup[][] = [];
  for (let i = 0; i < lookups.length; i += size) chunks.push(lookups.slice(i, i + size));
  const answers: Answer[][] = new Array<Answer[]>(chunks.length);
  // Calls in flight at once, bulk or per record (ENRICH_CONCURRENCY); the limiter paces them either way.
  const lanes = opts.concurrency ?? 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, chunks.length) }, async () => {
      while (next < chunks.length) {
        const k = next++;
        answers[k] = await askChunk(provider, chunks[k]!, opts);
      }
    }),
  );
  return answers.flat();
}

async function askChunk(provider: Provider, chunk: readonly Lookup[], opts: WaterfallOptions): Promise<Answer[]> {
  const now = opts.now ?? Date.now;
  const report = (answers: Answer[], ms: number) => {
    for (const a of answers) {
      const outcome = a instanceof ProviderError ? 'failed' : !a.found ? 'not_found' : a.confidence < opts.minConfidence ? 'below_floor' : 'found';
      opts.onAttempt?.(provider.name, outcome, ms);
    }
    return answers;
  };
  const throttled = (until: number) => {
    const err = new ProviderError(provider.name, 'rate_limited', 'paused until its rate limit resets', { retryAtMs: until });
    return report(chunk.map(() => err), 0);
  };
  for (;;) {
    // 1. Capacity: a provider that asked us to wait, or a limiter with no slot left in this window.
    const paused = opts.pausedUntil?.get(provider.name);
    if (paused !== undefined && now() >= paused) opts.pausedUntil!.delete(provider.name);
    const until = paused !== undefined && now() < paused ? paused : (provider.limiter?.take() ?? 0);
    if (until > 0) {
      if (!opts.wait) return throttled(until);
      await waitFor(provider.name, until, opts);
      continue;
    }
    // 2. The call itself, under the provider timeout (the wait above is not part of it).
    const started = performance.now();
    const signal = AbortSignal.timeout(opts.timeoutMs);
    try {
      // A single record goes to the per-record endpoint even when a batch one exists (the API's path).
      const answers: Answer[] = chunk.length > 1 && provider.lookupMany
        ? await raceAbort(provider.lookupMany(chunk, { signal }), signal)
        : [await raceAbort(provider.lookup(chunk[0]!, { signal }), signal)];
      if (answers.length !== chunk.length) throw new ProviderError(provider.name, 'bad_response', `answered ${answers.length} of ${chunk.length} lookups`);
      return report(answers, performance.now() - started);
    } catch (err) {
      const ms = performance.now() - started;
      const error = err instanceof ProviderError
        ? err
        : new ProviderError(provider.name, signal.aborted ? 'timeout' : 'unexpected', signal.aborted ? 'timed out' : 'failed', { cause: err });
      if (error.code === 'rate_limited') {
        // A 429 that still arrived: the provider names when to come back (else the limiter's window end, else 1 s).
        const retryAt = Math.min(error.retryAtMs ?? provider.limiter?.readyAt() ?? now() + 1000, now() + MAX_BLOCK_MS);
        if (opts.wait) {
          report(chunk.map(() => error), ms);
          await waitFor(provider.name, Math.max(retryAt, now() + 1), opts);
          continue;
        }
        if (opts.pausedUntil && error.retryAtMs !== undefined) opts.pausedUntil.set(provider.name, retryAt);
      }
      return report(chunk.map(() => error), ms);
    }
  }
}

async function waitFor(provider: string, until: number, opts: WaterfallOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  opts.wait?.onWait?.({ provider, resumesAt: until });
  // Unref'd: a wait of up to an hour must not keep a stopping process alive (the worker has released the job's
  // lease by then, and the job is redone, its charges replayed, by whoever claims it next).
  await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, until - now())).unref());
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
