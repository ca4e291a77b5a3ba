import { defineConfig } from 'vitest/config';

// One generous wait for every poll (test/helpers/wait.ts reads the same variable): a loaded machine is slow, and a
// poll that succeeds early costs nothing.
const POLL_TIMEOUT_MS = Number(process.env.TEST_POLL_TIMEOUT_MS ?? 30_000);

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/net.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    expect: { poll: { timeout: POLL_TIMEOUT_MS, interval: 50 } },
  },
});
