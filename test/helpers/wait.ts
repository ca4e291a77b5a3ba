// Waiting in tests: on a condition, never for a fixed time. One generous timeout for the whole suite (a loaded
// 2-core machine makes everything slower; a wait that ends early costs nothing), configured here and in
// vitest.config.ts (expect.poll) from TEST_POLL_TIMEOUT_MS.
import { sleep } from '../../src/lib/clock.js';

export const POLL_TIMEOUT_MS = Number(process.env.TEST_POLL_TIMEOUT_MS ?? 30_000);
export const POLL_INTERVAL_MS = 25;

/** Resolves once `check` holds; throws naming `what` after POLL_TIMEOUT_MS (or `timeoutMs`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? POLL_TIMEOUT_MS);
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs ?? POLL_TIMEOUT_MS} ms waiting for ${what}`);
    await sleep(opts.everyMs ?? POLL_INTERVAL_MS);
  }
}
