import { describe, expect, it } from 'vitest';
import { findPostgres, pgTestUrl, urlWithSchema } from '../helpers/pg.js';
import { assertAvailable, findChromium, inCi, isRequired, skipWithout } from '../helpers/required.js';

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

  it('when a requirement names its own variable, then setting it makes a missing dependency fail outside CI too', () => {
    const pgMissing = { what: 'PostgreSQL', found: null, hint: 'start it', requiredBy: 'REQUIRE_POSTGRES' };
    expect(skipWithout(pgMissing, { REQUIRE_POSTGRES: '1' })).toBe(false);
    expect(isRequired(pgMissing, { REQUIRE_POSTGRES: '1' })).toBe(true);
    expect(() => assertAvailable(pgMissing, { REQUIRE_POSTGRES: '1' })).toThrow(/PostgreSQL is required \(REQUIRE_POSTGRES is set\).*start it/);
    expect(skipWithout(pgMissing, { REQUIRE_POSTGRES: '0' })).toBe(true);
    expect(skipWithout(pgMissing, { CI: 'true' })).toBe(false);
    expect(isRequired(missing, { REQUIRE_POSTGRES: '1' })).toBe(false);
  });

  it('when nothing listens at TEST_DATABASE_URL, then PostgreSQL is not found and the hint says where it was looked for', () => {
    const r = findPostgres({ ...process.env, TEST_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/postgres' });
    expect(r.found).toBeNull();
    expect(r.hint).toContain('127.0.0.1:1');
    expect(r.hint).not.toContain('secret');
    expect(r.requiredBy).toBe('REQUIRE_POSTGRES');
  });

  it('when TEST_DATABASE_URL is unset or blank, then the tests use the local server; a schema is selected by options', () => {
    expect(pgTestUrl({})).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(pgTestUrl({ TEST_DATABASE_URL: ' ' })).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(pgTestUrl({ TEST_DATABASE_URL: 'postgres://u@h:1/d' })).toBe('postgres://u@h:1/d');
    expect(urlWithSchema('postgres://u@h:1/d', 't_a_1')).toBe('postgres://u@h:1/d?options=-c%20search_path%3Dt_a_1');
    expect(urlWithSchema('postgres://u@h:1/d?sslmode=disable&options=x', 't_a_1')).toBe('postgres://u@h:1/d?sslmode=disable&options=-c%20search_path%3Dt_a_1');
  });
});
