// Tests that need something outside Node (Chromium for the admin pages, PostgreSQL for the shared store). On a
// developer's machine without it they are skipped with a warning; in CI (`CI` set), or when the requirement's own
// variable is set (REQUIRE_POSTGRES=1), a missing dependency is a failure, because a skipped suite exits 0 and
// would pass a build that tested nothing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Requirement {
  /** What is needed, for messages ("Chromium"). */
  what: string;
  /** Where it was looked for, or null when nothing was found. */
  found: string | null;
  /** How to provide it. */
  hint: string;
  /** A variable that, set to anything but "", "0" or "false", makes it required even outside CI (REQUIRE_POSTGRES). */
  requiredBy?: string;
}

function truthy(v: string | undefined): boolean {
  const s = (v ?? '').trim().toLowerCase();
  return s !== '' && s !== '0' && s !== 'false';
}

/** True when CI is set (any value but "", "0" or "false"). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return truthy(env.CI);
}

/** True when a missing requirement must fail its tests: CI is set, or the requirement's own variable is. */
export function isRequired(r: Requirement, env: NodeJS.ProcessEnv = process.env): boolean {
  return inCi(env) || (r.requiredBy !== undefined && truthy(env[r.requiredBy]));
}

/**
 * Whether to skip the tests of a requirement: false when it is available, or when it is required (`isRequired`: the
 * suite must then call `assertAvailable` in its beforeAll and fail); true, with one warning line, otherwise.
 */
export function skipWithout(r: Requirement, env: NodeJS.ProcessEnv = process.env): boolean {
  if (r.found) return false;
  if (isRequired(r, env)) return false;
  const also = r.requiredBy ? ` or ${r.requiredBy}=1` : '';
  console.warn(`[tests] skipping the ${r.what} tests: ${r.what} not found (${r.hint}); with CI${also} set they fail instead`);
  return true;
}

/** Throws when the requirement is missing: the suite's tests fail, with the reason, instead of being skipped. */
export function assertAvailable(r: Requirement, env: NodeJS.ProcessEnv = process.env): asserts r is Requirement & { found: string } {
  if (r.found) return;
  const why = inCi(env) ? ' in CI (CI is set)' : r.requiredBy && truthy(env[r.requiredBy]) ? ` (${r.requiredBy} is set)` : '';
  throw new Error(`${r.what} is required${why} but was not found: ${r.hint}`);
}

/** Chromium for playwright-core: CHROMIUM_PATH (exported by .ci/run), else `chromium` / `chromium-browser` on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): Requirement {
  const hint = 'install Debian\'s chromium (.ci/run does) or set CHROMIUM_PATH';
  if (env.CHROMIUM_PATH) return { what: 'Chromium', found: existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null, hint: `CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist` };
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', env }).trim();
      if (path && existsSync(path)) return { what: 'Chromium', found: path, hint };
    } catch {
      // not on PATH
    }
  }
  return { what: 'Chromium', found: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null, hint };
}
