// `npm run screenshots`: runs the admin browser tests (Chromium required, as in CI) and copies the README's
// pictures they leave in the ignored test/.artifacts/ to docs/: the dashboard (docs/admin-dashboard.png), the
// job-change inbox (docs/admin-job-changes.png) and a run view (docs/admin-run-view.png). A page that does not exist
// yet is skipped by the test, and its picture here. `npm test` never touches docs/: refreshing is this step.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';

const artifact = (name) => new URL(`../test/.artifacts/readme-${name}.png`, import.meta.url).pathname;
const docs = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;

const PICTURES = [
  { shot: 'dashboard', doc: 'admin-dashboard.png', required: true },
  { shot: 'job-changes', doc: 'admin-job-changes.png', required: true },
  { shot: 'run', doc: 'admin-run-view.png', required: true },
];

for (const p of PICTURES) rmSync(artifact(p.shot), { force: true });
const run = spawnSync(process.execPath, [vitest, 'run', 'test/e2e/layout-390.test.ts'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
if (run.status !== 0) process.exit(run.status ?? 1);
for (const p of PICTURES) {
  if (!existsSync(artifact(p.shot))) {
    if (p.required) {
      console.error(`no screenshot at ${artifact(p.shot)}: the test did not take it`);
      process.exit(1);
    }
    console.log(`docs/${p.doc}: skipped (the page does not exist yet)`);
    continue;
  }
  copyFileSync(artifact(p.shot), docs(p.doc));
  console.log(`docs/${p.doc} refreshed from ${artifact(p.shot)}`);
}
