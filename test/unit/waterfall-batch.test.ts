// The waterfall over a batch of lookups (the sync path) and its waits: chunking by a provider's batch size, only
// unanswered lookups passed on, answers kept in lookup order, the calls in flight per provider, and a throttled
// provider waited for (sync) or skipped (API). Waits run on a fake clock that `onWait` moves to the resume time,
// so nothing here sleeps for real. Found by npm run mutate -- waterfall: the single-lookup tests never reached
// this code.
import { describe, expect, it } from 'vitest';
import { emptyProfile } from '../../src/enrichment/contract.js';
import type { ProviderLimiter } from '../../src/enrichment/providers/limiter.js';
import { ProviderError, type Lookup, type Provider, type ProviderResult } from '../../src/enrichment/providers/types.js';
import { runBatchWaterfall, type WaterfallOptions, type WaterfallResult } from '../../src/enrichment/waterfall.js';

type Answer = ProviderResult | ProviderError;

const found = (name: string, confidence = 90): ProviderResult => ({ found: true, profile: { ...emptyProfile(), full_name: name }, confidence });
const missed: ProviderResult = { found: false };
const lookups = (...names: string[]): Lookup[] => names.map((n) => ({ email: `${n}@example.com` }));
const nameOf = (l: Lookup) => l.email!.split('@')[0]!;

interface Recorded {
  /** Each call: 'one:<name>' for lookup(), 'many:<a,b>' for lookupMany(). */
  calls: string[];
  inFlight: number;
  maxInFlight: number;
}

/** A provider answering each lookup with `answer(name)`; with `batchSize`, it also has a batch endpoint. */
function provider(
  name: string,
  answer: (who: string) => Answer | Promise<Answer>,
  opts: { batchSize?: number; batch?: boolean; limiter?: ProviderLimiter; many?: (ls: readonly Lookup[]) => Promise<Answer[]> } = {},
): Provider & Recorded {
  const rec: Recorded = { calls: [], inFlight: 0, maxInFlight: 0 };
  const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
    rec.inFlight++;
    rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
    try {
      // Yield, so calls started together are in flight together.
      await new Promise((r) => setImmediate(r));
      return await work();
    } finally {
      rec.inFlight--;
    }
  };
  const p: Provider & Recorded = Object.assign(rec, {
    name,
    configured: true,
    limiter: opts.limiter,
    lookup: (l: Lookup) =>
      tracked(async () => {
        rec.calls.push(`one:${nameOf(l)}`);
        const a = await answer(nameOf(l));
        if (a instanceof ProviderError) throw a;
        return a;
      }),
  });
  if (opts.batch || opts.batchSize !== undefined) {
    Object.assign(p, {
      batchSize: opts.batchSize,
      lookupMany: (ls: readonly Lookup[]) =>
        tracked(async () => {
          rec.calls.push(`many:${ls.map(nameOf).join(',')}`);
          if (opts.many) return opts.many(ls);
          return Promise.all(ls.map((l) => answer(nameOf(l))));
        }),
    });
  }
  return p;
}

const summary = (rs: WaterfallResult[]) =>
  rs.map((r) => (r.kind === 'found' ? `${r.provider}:${r.hit.profile.full_name}` : r.kind === 'not_configured' ? r.kind : `${r.kind}:${r.failures.map((f) => `${f.provider}/${f.code}`).join('+')}`));

function run(providers: Provider[], ls: Lookup[], opts: Partial<WaterfallOptions> = {}) {
  const attempts: string[] = [];
  const durations: number[] = [];
  const started = performance.now();
  const result = runBatchWaterfall(providers, ls, {
    timeoutMs: 5_000,
    minConfidence: 50,
    onAttempt: (name, outcome, ms) => {
      attempts.push(`${name}:${outcome}`);
      durations.push(ms);
    },
    ...opts,
  }).then((r) => {
    // An attempt's duration is its own call's: never negative, never longer than the whole run.
    const whole = performance.now() - started;
    for (const ms of durations) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(whole);
    }
    return r;
  });
  return { result, attempts, durations };
}

describe('the waterfall over a batch of lookups', () => {
  it('when a provider has a batch endpoint, then it gets the lookups in calls of its batch size; a lone last lookup goes to the per-record endpoint', async () => {
    const a = provider('a', (who) => found(who), { batchSize: 2 });
    const { result, attempts } = run([a], lookups('p1', 'p2', 'p3', 'p4', 'p5'));
    expect(summary(await result)).toEqual(['a:p1', 'a:p2', 'a:p3', 'a:p4', 'a:p5']);
    expect(a.calls.sort()).toEqual(['many:p1,p2', 'many:p3,p4', 'one:p5']);
    // One attempt per lookup, whatever the call that carried it.
    expect(attempts).toHaveLength(5);
    expect(new Set(attempts)).toEqual(new Set(['a:found']));
  });

  it('when a batch endpoint names no batch size (or 0), then every lookup is its own per-record call', async () => {
    for (const batchSize of [undefined, 0]) {
      const a = provider('a', (who) => found(who), batchSize === undefined ? { batch: true } : { batchSize });
      expect(summary(await run([a], lookups('p1', 'p2', 'p3')).result)).toEqual(['a:p1', 'a:p2', 'a:p3']);
      expect(a.calls.sort()).toEqual(['one:p1', 'one:p2', 'one:p3']);
    }
  });

  it('when the first provider answers some lookups, then only the others go to the next provider, and every result stays in lookup order', async () => {
    const a = provider('a', (who) => (who === 'p2' ? missed : who === 'p3' ? found(who, 10) : who === 'p4' ? new ProviderError('a', 'bad_record', 'no') : found(who)), {
      batchSize: 10,
    });
    const b = provider('b', (who) => (who === 'p3' ? missed : found(`${who}-b`)));
    const { result, attempts } = run([a, b], lookups('p1', 'p2', 'p3', 'p4', 'p5'));
    expect(summary(await result)).toEqual(['a:p1', 'b:p2-b', 'not_found:', 'b:p4-b', 'a:p5']);
    expect(a.calls).toEqual(['many:p1,p2,p3,p4,p5']);
    expect(b.calls.sort()).toEqual(['one:p2', 'one:p3', 'one:p4']);
    expect(attempts.filter((x) => x.startsWith('a:')).sort()).toEqual(['a:below_floor', 'a:failed', 'a:found', 'a:found', 'a:not_found']);
  });

  it('when a record fails at one provider and is missed by the next, then it is not_found carrying that failure; failed only when every provider failed it', async () => {
    const err = new ProviderError('a', 'bad_record', 'no');
    const a = provider('a', (who) => (who === 'p1' ? err : new ProviderError('a', 'server_error', 'x')), { batchSize: 5 });
    const b = provider('b', (who) => (who === 'p1' ? missed : new ProviderError('b', 'server_error', 'y')));
    const rs = await run([a, b], lookups('p1', 'p2')).result;
    expect(rs[0]).toEqual({ kind: 'not_found', failures: [err] });
    expect(summary(rs)[1]).toBe('failed:a/server_error+b/server_error');
  });

  it('when every lookup is found, then later providers are never called', async () => {
    const a = provider('a', (who) => found(who), { batchSize: 3 });
    const b = provider('b', (who) => found(who));
    expect(summary(await run([a, b], lookups('p1', 'p2', 'p3')).result)).toEqual(['a:p1', 'a:p2', 'a:p3']);
    expect(b.calls).toEqual([]);
  });

  it('when a batch call fails as a whole, then every lookup in that call failed at that provider and moves on', async () => {
    const a = provider('a', (who) => found(who), { batchSize: 2, many: async () => Promise.reject(new ProviderError('a', 'server_error', '503')) });
    const b = provider('b', (who) => found(`${who}-b`));
    const { result, attempts } = run([a, b], lookups('p1', 'p2'));
    expect(summary(await result)).toEqual(['b:p1-b', 'b:p2-b']);
    expect(attempts.slice(0, 2)).toEqual(['a:failed', 'a:failed']);
  });

  it('when a batch call outlasts the provider timeout, then its lookups fail with timeout and the call is told to stop', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    // A batch endpoint that never answers (and ignores its signal), recording the signal it was given.
    const a = provider('a', (who) => found(who), { batchSize: 2 });
    a.lookupMany = (_ls, opts) => {
      signals.push(opts?.signal);
      return new Promise(() => undefined);
    };
    const rs = await run([a], lookups('p1', 'p2'), { timeoutMs: 30 }).result;
    expect(summary(rs)).toEqual(['failed:a/timeout', 'failed:a/timeout']);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('when a batch call answers fewer lookups than asked, then the whole call is a bad_response, never answers shifted onto the wrong records', async () => {
    const a = provider('a', (who) => found(who), { batchSize: 3, many: async (ls) => [found(nameOf(ls[1]!))] });
    const rs = await run([a], lookups('p1', 'p2', 'p3')).result;
    expect(summary(rs)).toEqual(['failed:a/bad_response', 'failed:a/bad_response', 'failed:a/bad_response']);
    const f = rs[0]!.kind === 'failed' ? rs[0]!.failures[0]! : null;
    expect(f?.message).toBe('a: answered 1 of 3 lookups');
  });

  it('when many lookups go to a provider without a batch endpoint, then at most `concurrency` calls are in flight (8 by default), and answers keep lookup order', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `p${i}`);
    // Later lookups answer sooner, so calls finish out of order.
    const slowFirst = (who: string) => new Promise<Answer>((r) => setTimeout(() => r(found(who)), 20 - Number(who.slice(1))));
    const byDefault = provider('a', slowFirst);
    expect(summary(await run([byDefault], lookups(...names)).result)).toEqual(names.map((n) => `a:${n}`));
    expect(byDefault.maxInFlight).toBe(8);
    const two = provider('a', slowFirst);
    expect(summary(await run([two], lookups(...names), { concurrency: 2 }).result)).toEqual(names.map((n) => `a:${n}`));
    expect(two.maxInFlight).toBe(2);
    expect(two.calls).toHaveLength(20);
  });

  it('when a batch endpoint gets more chunks than lanes, then the chunks share the lanes and each is asked once', async () => {
    const a = provider('a', (who) => found(who), { batchSize: 2 });
    const names = Array.from({ length: 9 }, (_, i) => `p${i}`);
    expect(summary(await run([a], lookups(...names), { concurrency: 2 }).result)).toEqual(names.map((n) => `a:${n}`));
    expect(a.maxInFlight).toBe(2);
    expect(a.calls.sort()).toEqual(['many:p0,p1', 'many:p2,p3', 'many:p4,p5', 'many:p6,p7', 'one:p8']);
  });
});

/** A limiter whose `take()` answers from a script (0 = slot taken), recording each call. */
function scriptedLimiter(takes: number[], readyAt = 0): ProviderLimiter & { takes: number } {
  const l = {
    limit: 10,
    takes: 0,
    take: () => {
      l.takes++;
      return takes.shift() ?? 0;
    },
    observe: () => undefined,
    block: () => undefined,
    readyAt: () => readyAt,
  };
  return l;
}

/** A fake clock and a `wait` option that jumps the clock to the resume time, recording each wait. */
function fakeTime(start: number) {
  const clock = { now: start, waits: [] as { provider: string; resumesAt: number; at: number }[] };
  const wait = {
    onWait: (info: { provider: string; resumesAt: number }) => {
      clock.waits.push({ ...info, at: clock.now });
      clock.now = Math.max(clock.now, info.resumesAt);
    },
  };
  return { clock, now: () => clock.now, wait };
}

describe('a throttled provider', () => {
  // Far from the real clock on purpose: a wait measured on the wrong clock would last decades, not a millisecond.
  const T = Date.UTC(2100, 0, 1);

  it('when its limiter has no slot and the caller is the API, then it is skipped as rate_limited until the slot frees, without a call', async () => {
    const limiter = scriptedLimiter([T + 4_000]);
    const a = provider('a', (who) => found(who), { limiter });
    const b = provider('b', (who) => found(`${who}-b`));
    const { result, attempts } = run([a, b], lookups('p1'), { now: () => T });
    expect(summary(await result)).toEqual(['b:p1-b']);
    expect(a.calls).toEqual([]);
    expect(attempts).toEqual(['a:failed', 'b:found']);
    const alone = await run([provider('a', (who) => found(who), { limiter: scriptedLimiter([T + 4_000]) })], lookups('p1'), { now: () => T }).result;
    expect(alone[0]!.kind === 'failed' && alone[0]!.failures.map((f) => [f.code, f.retryAtMs, f.message])).toEqual([
      ['rate_limited', T + 4_000, 'a: paused until its rate limit resets'],
    ]);
  });

  it('when its limiter has no slot in a sync run, then the run waits until the slot frees and asks again, never skipping it', async () => {
    const t = fakeTime(T);
    const limiter = scriptedLimiter([T + 4_000, 0]);
    const a = provider('a', (who) => found(who), { limiter });
    const b = provider('b', (who) => found(`${who}-b`));
    expect(summary(await run([a, b], lookups('p1'), { now: t.now, wait: t.wait }).result)).toEqual(['a:p1']);
    expect(t.clock.waits).toEqual([{ provider: 'a', resumesAt: T + 4_000, at: T }]);
    expect([limiter.takes, a.calls.length, b.calls.length]).toEqual([2, 1, 0]);
  });

  it('when the API asks a paused provider again and again before its reset, then it is skipped every time and stays paused', async () => {
    const pausedUntil = new Map([['a', T + 30_000]]);
    const a = provider('a', (who) => found(who));
    for (const at of [T, T + 10_000, T + 29_999]) {
      expect(summary(await run([a], lookups('p1'), { now: () => at, pausedUntil }).result)).toEqual(['failed:a/rate_limited']);
    }
    expect([a.calls.length, pausedUntil.get('a')]).toEqual([0, T + 30_000]);
  });

  it('when a provider paused by an earlier 429 is asked in a sync run, then the run waits out the pause and the pause is forgotten', async () => {
    const t = fakeTime(T);
    const pausedUntil = new Map([['a', T + 30_000]]);
    const a = provider('a', (who) => found(who));
    expect(summary(await run([a], lookups('p1'), { now: t.now, wait: t.wait, pausedUntil }).result)).toEqual(['a:p1']);
    expect(t.clock.waits).toEqual([{ provider: 'a', resumesAt: T + 30_000, at: T }]);
    expect(pausedUntil.has('a')).toBe(false);
  });

  it('when a call answers 429 in a sync run, then the attempt counts as failed, the run waits until the time the provider named, and asks again', async () => {
    const t = fakeTime(T);
    let limited = 1;
    const a = provider('a', (who) => (limited-- > 0 ? new ProviderError('a', 'rate_limited', 'slow down', { retryAtMs: T + 7_000 }) : found(who)));
    const { result, attempts } = run([a], lookups('p1'), { now: t.now, wait: t.wait });
    expect(summary(await result)).toEqual(['a:p1']);
    expect(attempts).toEqual(['a:failed', 'a:found']);
    expect(t.clock.waits).toEqual([{ provider: 'a', resumesAt: T + 7_000, at: T }]);
  });

  it('when a 429 names no time, then the run waits for the limiter to be ready, else one second; never more than an hour, never into the past', async () => {
    const resumes = async (retryAtMs: number | undefined, limiter?: ProviderLimiter) => {
      const t = fakeTime(T);
      let limited = 1;
      const a = provider('a', (who) => (limited-- > 0 ? new ProviderError('a', 'rate_limited', 'x', retryAtMs === undefined ? {} : { retryAtMs }) : found(who)), limiter ? { limiter } : {});
      expect(summary(await run([a], lookups('p1'), { now: t.now, wait: t.wait }).result)).toEqual(['a:p1']);
      return t.clock.waits.map((w) => w.resumesAt - T);
    };
    expect(await resumes(undefined, scriptedLimiter([], T + 12_000))).toEqual([12_000]);
    expect(await resumes(undefined)).toEqual([1_000]);
    expect(await resumes(T + 5 * 86_400_000)).toEqual([3_600_000]);
    expect(await resumes(T - 60_000)).toEqual([1]);
  });

  it('when a sync run has no onWait listener, then it still waits and asks again', async () => {
    let t = T;
    const limiter = scriptedLimiter([T + 4_000, 0]);
    const a = provider('a', (who) => found(who), { limiter });
    // The clock moves on its own here: the first read after the wait is past the resume time.
    const now = () => (limiter.takes > 0 ? (t += 4_000) : t);
    expect(summary(await run([a], lookups('p1'), { now, wait: {} }).result)).toEqual(['a:p1']);
    expect(limiter.takes).toBe(2);
  });

  it('when a sync run waits on the real clock, then the provider is asked again only once the resume time has come', async () => {
    const resumesAt = Date.now() + 200;
    let calledAt = 0;
    const limiter = scriptedLimiter([resumesAt, 0]);
    const a = provider('a', (who) => ((calledAt = Date.now()), found(who)), { limiter });
    expect(summary(await run([a], lookups('p1'), { wait: {} }).result)).toEqual(['a:p1']);
    // A timer may fire a millisecond before Date.now() shows its time; never a meaningful part of the wait.
    expect(calledAt).toBeGreaterThanOrEqual(resumesAt - 5);
  });

  it('when a call answers 429 to the API with a time, then the provider is paused until that time (the limiter is not asked for one)', async () => {
    const pausedUntil = new Map<string, number>();
    const a = provider('a', () => new ProviderError('a', 'rate_limited', 'x', { retryAtMs: T + 9_000 }), { limiter: scriptedLimiter([], T + 50_000) });
    const rs = await run([a], lookups('p1'), { now: () => T, pausedUntil }).result;
    expect(summary(rs)).toEqual(['failed:a/rate_limited']);
    expect(pausedUntil.get('a')).toBe(T + 9_000);
  });
});
