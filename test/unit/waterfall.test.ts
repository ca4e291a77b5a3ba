// The provider waterfall with small in-process providers: order, the confidence floor, failures vs misses, the
// timeout (a provider that ignores its signal included), and the pause after a 429 with a reset time. Found by
// npm run mutate -- waterfall: the API tests covered the happy paths only.
import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../src/enrichment/contract.js';
import { ProviderError, type Provider, type ProviderResult } from '../../src/enrichment/providers/types.js';
import { runBatchWaterfall, type WaterfallOptions } from '../../src/enrichment/waterfall.js';

type Script = (signal: AbortSignal) => Promise<ProviderResult>;

function provider(name: string, script: Script, configured = true): Provider & { calls: number; signals: AbortSignal[] } {
  const p = {
    name,
    configured,
    calls: 0,
    signals: [] as AbortSignal[],
    lookup: (_lookup: unknown, opts: { signal: AbortSignal }) => {
      p.calls++;
      p.signals.push(opts.signal);
      return script(opts.signal);
    },
  };
  return p;
}

const hit = (confidence: number): Script => async () => ({ found: true, profile: { ...emptyProfile(), full_name: `c${confidence}` }, confidence });
const miss: Script = async () => ({ found: false });
const fails = (err: unknown): Script => async () => {
  throw err;
};
const never: Script = () => new Promise(() => undefined);

function run(providers: Provider[], opts: Partial<WaterfallOptions> = {}) {
  const attempts: [string, string][] = [];
  // One lookup through the batch waterfall: the single-record path of enrich() is the same code.
  const result = runBatchWaterfall(providers, [{ email: 'ada@example.com' }], {
    timeoutMs: 1_000,
    minConfidence: 50,
    onAttempt: (name: string, outcome: string, ms: number) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(60_000);
      attempts.push([name, outcome]);
    },
    ...opts,
  }).then((r) => r[0]!);
  return { result, attempts };
}

describe('the waterfall, one lookup', () => {
  it('when no provider is configured, then not_configured and nobody is called', async () => {
    const a = provider('a', hit(90), false);
    expect(await run([a]).result).toEqual({ kind: 'not_configured' });
    expect(await run([]).result).toEqual({ kind: 'not_configured' });
    expect(a.calls).toBe(0);
  });

  it('when providers answer in turn, then misses, answers below the floor and failures pass to the next; the first good hit wins', async () => {
    const unconfigured = provider('off', hit(99), false);
    const a = provider('a', miss);
    const b = provider('b', hit(49));
    const c = provider('c', fails(new ProviderError('c', 'server_error', 'boom')));
    const d = provider('d', hit(50));
    const e = provider('e', hit(99));
    const { result, attempts } = run([unconfigured, a, b, c, d, e]);
    const r = await result;
    expect(r.kind === 'found' && [r.provider, r.hit.confidence]).toEqual(['d', 50]);
    expect(attempts).toEqual([
      ['a', 'not_found'],
      ['b', 'below_floor'],
      ['c', 'failed'],
      ['d', 'found'],
    ]);
    expect([unconfigured.calls, e.calls]).toEqual([0, 0]);
  });

  it('when one provider answered without a hit and the others failed, then not_found with the failures; when all failed, then failed', async () => {
    const err = new ProviderError('b', 'unauthorized', 'bad key');
    const r1 = await run([provider('a', miss), provider('b', fails(err))]).result;
    expect(r1).toEqual({ kind: 'not_found', failures: [err] });
    const below = await run([provider('a', hit(10))]).result;
    expect(below).toEqual({ kind: 'not_found', failures: [] });
    const r2 = await run([provider('a', fails(new ProviderError('a', 'server_error', 'x'))), provider('b', fails(err))]).result;
    expect(r2.kind).toBe('failed');
    expect(r2.kind === 'failed' && r2.failures.map((f) => f.code)).toEqual(['server_error', 'unauthorized']);
  });

  it('when a provider throws something else, then it is an unexpected failure carrying the cause', async () => {
    const boom = new TypeError('undefined is not a function');
    const r = await run([provider('a', fails(boom))]).result;
    expect(r.kind).toBe('failed');
    const f = r.kind === 'failed' ? r.failures[0]! : null;
    expect(f).toBeInstanceOf(ProviderError);
    expect([f?.provider, f?.code, f?.message, f?.cause]).toEqual(['a', 'unexpected', 'a: failed', boom]);
  });

  it('when a provider ignores its signal and never answers, then the timeout moves on to the next provider', async () => {
    const slow = provider('slow', never);
    const next = provider('next', hit(80));
    const { result, attempts } = run([slow, next], { timeoutMs: 50 });
    const r = await result;
    expect(r.kind === 'found' && r.provider).toBe('next');
    expect(attempts).toEqual([
      ['slow', 'failed'],
      ['next', 'found'],
    ]);
    expect(slow.signals[0]!.aborted).toBe(true);
    expect(next.signals[0]!.aborted).toBe(false);
    const alone = await run([provider('slow', never)], { timeoutMs: 50 }).result;
    expect(alone.kind === 'failed' && [alone.failures[0]!.code, alone.failures[0]!.message]).toEqual(['timeout', 'slow: timed out']);
  });

  it('when a provider answers 429 with a reset time, then it is skipped until then (at most an hour), and called again after', async () => {
    let now = 1_000_000;
    const pausedUntil = new Map<string, number>();
    let limited = true;
    const a = provider('a', async () => {
      if (limited) throw new ProviderError('a', 'rate_limited', 'slow down', { retryAtMs: now + 60_000 });
      return { found: true, profile: emptyProfile(), confidence: 90 };
    });
    const b = provider('b', hit(70));
    const opts = { pausedUntil, now: () => now };

    expect((await run([a, b], opts).result).kind).toBe('found');
    expect(pausedUntil.get('a')).toBe(1_060_000);
    limited = false;

    now += 59_999;
    const { result, attempts } = run([a, b], opts);
    const skipped = await result;
    expect(a.calls).toBe(1);
    expect(attempts).toEqual([
      ['a', 'failed'],
      ['b', 'found'],
    ]);
    expect(skipped.kind === 'found' && skipped.provider).toBe('b');

    now += 1; // the reset time itself: called again, and the pause is forgotten
    const back = await run([a, b], opts).result;
    expect(back.kind === 'found' && back.provider).toBe('a');
    expect(pausedUntil.has('a')).toBe(false);
  });

  it('when the paused provider is the only one, then the lookup fails with a rate_limited error carrying the reset time', async () => {
    const pausedUntil = new Map([['a', 5_000]]);
    const a = provider('a', hit(90));
    const r = await run([a], { pausedUntil, now: () => 4_000 }).result;
    expect(a.calls).toBe(0);
    expect(r.kind === 'failed' && r.failures.map((f) => [f.code, f.retryAtMs])).toEqual([['rate_limited', 5_000]]);
  });

  it('when a reset time is days away (a wrong clock), then the pause is capped at an hour; other failures never pause', async () => {
    const now = 10_000_000;
    const pausedUntil = new Map<string, number>();
    await run([provider('a', fails(new ProviderError('a', 'rate_limited', 'x', { retryAtMs: now + 5 * 86_400_000 })))], { pausedUntil, now: () => now }).result;
    expect(pausedUntil.get('a')).toBe(now + 3_600_000);
    pausedUntil.clear();
    await run([provider('a', fails(new ProviderError('a', 'rate_limited', 'no reset time')))], { pausedUntil, now: () => now }).result;
    await run([provider('b', fails(new ProviderError('b', 'server_error', 'x', { retryAtMs: now + 1000 })))], { pausedUntil, now: () => now }).result;
    await run([provider('c', fails(Object.assign(new Error('x'), { code: 'rate_limited', retryAtMs: now + 1000 })))], { pausedUntil, now: () => now }).result;
    expect([...pausedUntil.keys()]).toEqual([]);
  });

  it('works without the optional hooks (no attempt callback, no pause map)', async () => {
    const [r] = await runBatchWaterfall([provider('a', fails(new ProviderError('a', 'rate_limited', 'x', { retryAtMs: Date.now() + 1000 }))), provider('b', hit(90))], [{ email: 'a@b.c' }], { timeoutMs: 1000, minConfidence: 0 });
    expect(r?.kind === 'found' && r.provider).toBe('b');
  });
});
