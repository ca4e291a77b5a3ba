// `npm run screenshots`: runs the admin browser tests (Chromium required, as in CI) and copies the dashboard
// screenshot they leave in the ignored test/.artifacts/ to docs/admin-dashboard.png, the README's picture.
// `npm test` never touches docs/: refreshing the picture is this explicit step.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';

const shot = new URL('../test/.artifacts/admin-dashboard.png', import.meta.url).pathname;
const docs = new URL('../docs/admin-dashboard.png', import.meta.url).pathname;
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;

rmSync(shot, { force: true });
const run = spawnSync(process.execPath, [vitest, 'run', 'test/e2e/admin.test.ts'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
if (run.status !== 0) process.exit(run.status ?? 1);
if (!existsSync(shot)) {
  console.error(`no screenshot at ${shot}: the dashboard test did not run`);
  process.exit(1);
}
copyFileSync(shot, docs);
console.log(`docs/admin-dashboard.png refreshed from ${shot}`);
