// `npm run mutate [module ...]`: StrykerJS once per module of scripts/mutate-modules.mjs (all of them by default),
// then one table of mutation scores. Reports: reports/mutation/<module>.html and .json (ignored by git).
// MUTATE_CONCURRENCY (default 2) sets Stryker's worker count.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { MODULES } from './mutate-modules.mjs';

const asked = process.argv.slice(2);
const unknown = asked.filter((m) => !MODULES[m]);
if (unknown.length > 0) {
  console.error(`unknown module(s): ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : Object.keys(MODULES);
const stryker = new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url).pathname;

const rows = [];
let failed = false;
for (const name of names) {
  console.log(`\n=== mutate ${name}: ${MODULES[name].title} (${MODULES[name].mutate.join(', ')})`);
  const run = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_MODULE: name },
  });
  const file = `reports/mutation/${name}.json`;
  if (run.status !== 0 || !existsSync(file)) {
    failed = true;
    rows.push({ name, error: `stryker exited with ${run.status ?? run.signal}` });
    continue;
  }
  rows.push({ name, ...score(JSON.parse(readFileSync(file, 'utf8'))) });
}

console.log('\nmodule        killed  survived  no cov  timeout  ignored  score');
for (const r of rows) {
  if (r.error) {
    console.log(`${r.name.padEnd(12)}  ${r.error}`);
    continue;
  }
  console.log(
    `${r.name.padEnd(12)}  ${String(r.killed).padStart(6)}  ${String(r.survived).padStart(8)}  ${String(r.noCoverage).padStart(6)}  ` +
      `${String(r.timeout).padStart(7)}  ${String(r.ignored).padStart(7)}  ${r.score.toFixed(1).padStart(5)} %`,
  );
}
process.exit(failed ? 1 : 0);

/** Stryker's mutation score: detected (killed + timeout) over valid mutants (detected + survived + no coverage). */
function score(report) {
  const c = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, ignored: 0 };
  for (const f of Object.values(report.files)) {
    for (const m of f.mutants) {
      if (m.status === 'Killed') c.killed++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
      else if (m.status === 'Timeout') c.timeout++;
      else if (m.status === 'Ignored') c.ignored++;
    }
  }
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return { ...c, score: valid === 0 ? 0 : (100 * (c.killed + c.timeout)) / valid };
}
