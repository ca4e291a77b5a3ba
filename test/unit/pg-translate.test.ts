import { describe, expect, it } from 'vitest';
import { bindValues, translate } from '../../src/db/pg/translate.js';

describe('the PostgreSQL dialect of a statement', () => {
  it('when a statement has ? parameters, then they become $1, $2 in order', () => {
    const t = translate('SELECT * FROM jobs WHERE state = ? AND run_at <= ? LIMIT ?');
    expect(t.text).toBe('SELECT * FROM jobs WHERE state = $1 AND run_at <= $2 LIMIT $3');
    expect(bindValues(t, ['queued', 5, 100])).toEqual(['queued', 5, 100]);
  });

  it('when a ? or @name sits in a string literal, a quoted identifier or a comment, then it is left alone', () => {
    const t = translate(`SELECT '?', 'it''s @x', "odd?col" FROM t -- what?\nWHERE a = ? /* @b ? */ AND b = ?`);
    expect(t.text).toBe(`SELECT '?', 'it''s @x', "odd?col" FROM t -- what?\nWHERE a = $1 /* @b ? */ AND b = $2`);
  });

  it('when a statement has named parameters, then each name gets one number and values come from the object', () => {
    const t = translate('UPDATE c SET label = @label, updated_at = @now, created_at = COALESCE(created_at, @now) WHERE id = :id');
    expect(t.text).toBe('UPDATE c SET label = $1, updated_at = $2, created_at = COALESCE(created_at, $2) WHERE id = $3');
    expect(bindValues(t, [{ id: 'c1', now: 7, label: 'x' }])).toEqual(['x', 7, 'c1']);
  });

  it('when a statement has a :: cast, then it is not taken for a parameter', () => {
    expect(translate('SELECT x::bigint FROM t WHERE y = ?').text).toBe('SELECT x::bigint FROM t WHERE y = $1');
  });

  it('when values are missing, undefined or boolean, then binding fails as better-sqlite3 does', () => {
    expect(() => bindValues(translate('SELECT ?, ?'), [1])).toThrow(RangeError);
    expect(() => bindValues(translate('SELECT @a'), [{}])).toThrow(/Missing named parameter "a"/);
    expect(() => bindValues(translate('SELECT ?'), [undefined])).toThrow(TypeError);
    expect(() => bindValues(translate('SELECT ?'), [true])).toThrow(TypeError);
  });

  it('when an array is passed, then its items are the values (as better-sqlite3 spreads it)', () => {
    expect(bindValues(translate('SELECT ?, ?'), [[1, 'a']])).toEqual([1, 'a']);
  });

  it('when a bigint is bound, then it travels as its decimal text', () => {
    expect(bindValues(translate('SELECT ?'), [2n ** 60n])).toEqual(['1152921504606846976']);
  });
});
