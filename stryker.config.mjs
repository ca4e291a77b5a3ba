// StrykerJS configuration for `npm run mutate` (scripts/mutate.mjs): one run per module where a bug costs users
// data or money, each against only the fast tests that cover it, so a run fits on a small shared machine.
// `MUTATE_MODULE` selects the module; the table lives in scripts/mutate-modules.mjs.
import { MODULES } from './scripts/mutate-modules.mjs';

const name = process.env.MUTATE_MODULE ?? 'mapping';
const mod = MODULES[name];
if (!mod) throw new Error(`unknown MUTATE_MODULE ${name}; one of: ${Object.keys(MODULES).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false, pool: 'forks' },
  mutate: mod.mutate,
  testFiles: mod.tests,
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants) would force a full reload per mutant; they are reported as ignored.
  ignoreStatic: true,
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  // A loaded machine slows every test; mutants that hang still time out.
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  // One sandbox folder per module, so two modules can run side by side.
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
  // Never copy another module's live sandbox (or reports and artefacts) into this one.
  ignorePatterns: ['/.stryker-tmp', '/reports', '/test/.artifacts', '/bench/.work', '/data'],
  reporters: ['clear-text', 'json', 'html'],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  thresholds: { high: 85, low: 70, break: null },
};
