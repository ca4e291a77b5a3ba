// Time is injected so tests and job-change logic can run at a chosen "now".
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(start: number | Date): Clock & { advance(ms: number): void; set(t: number | Date): void } {
  let t = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (v) => {
      t = typeof v === 'number' ? v : v.getTime();
    },
  };
}

export const DAY_MS = 86_400_000;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(t);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
