// `npm run screenshots`: runs the admin browser tests (Chromium required, as in CI) and copies the screenshots they
// leave in the ignored test/.artifacts/ to docs/, the README's pictures (the dashboard, the job-change inbox).
// `npm test` never touches docs/: refreshing the pictures is this explicit step.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';

/** test file → the screenshots it takes that docs/ keeps. */
const SHOTS = {
  'test/e2e/admin.test.ts': ['admin-dashboard.png'],
  'test/e2e/job-changes-contacts.test.ts': ['admin-job-changes.png'],
};
const artifact = (name) => new URL(`../test/.artifacts/${name}`, import.meta.url).pathname;
const docs = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;

const names = Object.values(SHOTS).flat();
for (const name of names) rmSync(artifact(name), { force: true });
const run = spawnSync(process.execPath, [vitest, 'run', ...Object.keys(SHOTS)], { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
if (run.status !== 0) process.exit(run.status ?? 1);
for (const name of names) {
  if (!existsSync(artifact(name))) {
    console.error(`no screenshot at ${artifact(name)}: the test that takes it did not run`);
    process.exit(1);
  }
  copyFileSync(artifact(name), docs(name));
  console.log(`docs/${name} refreshed from ${artifact(name)}`);
}
