import { describe, expect, it } from 'vitest';
import { assertAvailable, findChromium, inCi, skipWithout } from '../helpers/required.js';

describe('required test dependencies', () => {
  const missing = { what: 'Chromium', found: null, hint: 'install it' };

  it('when CI is set and a dependency is missing, then its tests are not skipped and fail with the reason', () => {
    expect(skipWithout(missing, { CI: 'true' })).toBe(false);
    expect(skipWithout(missing, { CI: '1' })).toBe(false);
    expect(() => assertAvailable(missing)).toThrow(/Chromium is required.*install it/);
  });

  it('when CI is not set, then a missing dependency skips its tests; a present one never does', () => {
    expect(skipWithout(missing, {})).toBe(true);
    expect(skipWithout(missing, { CI: 'false' })).toBe(true);
    expect(skipWithout({ ...missing, found: '/usr/bin/chromium' }, { CI: 'true' })).toBe(false);
    expect(skipWithout({ ...missing, found: '/usr/bin/chromium' }, {})).toBe(false);
    expect(inCi({ CI: '0' })).toBe(false);
  });

  it('when CHROMIUM_PATH names a missing file, then Chromium is not found, whatever is on PATH', () => {
    expect(findChromium({ ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' }).found).toBeNull();
    expect(findChromium({ CHROMIUM_PATH: process.execPath }).found).toBe(process.execPath);
  });
});
