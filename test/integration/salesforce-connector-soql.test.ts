// The SOQL escaping helper (pure). Every rendered literal is parsed back with the fake's SOQL tokenizer, which
// implements Salesforce's escape rules: what goes in must come out as one literal, byte for byte.
import { describe, expect, it } from 'vitest';
import { ident, idents, joinSoql, like, sfId, soql, Soql } from '../../connectors/salesforce/soql.js';
import { NonRetryableError } from '../../src/lib/errors.js';
import { tokenize } from '../fakes/salesforce/soql.js';

/** The tokens of `SELECT Id FROM Contact WHERE Email = <value>` after the `=`. */
function literalsOf(q: Soql): { t: string; v?: unknown }[] {
  const toks = tokenize(q.text);
  const eq = toks.findIndex((t) => t.t === 'op' && t.v === '=');
  return toks.slice(eq + 1).filter((t) => t.t !== 'eof') as { t: string; v?: unknown }[];
}

describe('soql tagged template', () => {
  const tricky = [
    "o'brien@example.com",
    "x' OR Name != '",
    "x\\' OR Name != '",
    'back\\slash\\',
    '\\',
    "''",
    'double "quoted"',
    'line\nbreak\rcarriage\ttab',
    'bell\bform\ffeed',
    'ünïcødé — 日本語 🚀',
    '%_wildcards_% stay literal outside LIKE',
    "'; DELETE FROM Contact; --",
    'x\\\' OR \'1\'=\'1',
  ];

  it.each(tricky)('when a string holds %j, then it renders as exactly one literal with the same value', (value) => {
    const q = soql`SELECT Id FROM Contact WHERE Email = ${value}`;
    const toks = literalsOf(q);
    expect(toks).toHaveLength(1);
    expect(toks[0]).toMatchObject({ t: 'string', v: value });
  });

  it('escapes backslash before quotes so an escaped quote cannot be un-escaped', () => {
    expect(soql`WHERE Name = ${"a\\'b"}`.text).toBe("WHERE Name = 'a\\\\\\'b'");
    expect(soql`WHERE Name = ${"x' OR Name != '"}`.text).toBe("WHERE Name = 'x\\' OR Name != \\''");
  });

  it('renders numbers, booleans, null and dates as unquoted literals', () => {
    const d = new Date('2025-03-04T05:06:07.000Z');
    expect(soql`A = ${42} AND B = ${-1.5} AND C = ${true} AND D = ${false} AND E = ${null} AND F >= ${d}`.text).toBe(
      'A = 42 AND B = -1.5 AND C = TRUE AND D = FALSE AND E = NULL AND F >= 2025-03-04T05:06:07Z',
    );
    expect(soql`F >= ${new Date('2025-03-04T05:06:07.123Z')}`.text).toBe('F >= 2025-03-04T05:06:07.123Z');
    const toks = tokenize(soql`SELECT Id FROM Contact WHERE CreatedDate >= ${d}`.text);
    expect(toks.some((t) => t.t === 'datetime')).toBe(true);
  });

  it('refuses values SOQL cannot express instead of guessing', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e21]) {
      expect(() => soql`A = ${bad}`).toThrow(NonRetryableError);
    }
    expect(() => soql`A = ${new Date('nope')}`).toThrow(/invalid Date/);
    expect(() => soql`A = ${'nul\u0000byte'}`).toThrow(/control character/);
    expect(() => soql`A = ${'lone \ud800 surrogate'}`).toThrow(/surrogate/);
  });

  it('renders arrays as IN lists and refuses an empty one', () => {
    expect(soql`Id IN ${[sfId('003000000000001'), sfId('003000000000002AAA')]}`.text).toBe("Id IN ('003000000000001', '003000000000002AAA')");
    expect(soql`Email IN ${["a'b", 'c']}`.text).toBe("Email IN ('a\\'b', 'c')");
    expect(soql`N IN ${[1, 2]}`.text).toBe('N IN (1, 2)');
    expect(() => soql`Id IN ${[]}`).toThrow(/empty list/);
  });

  it('validates identifiers and renders a list of them as a field list', () => {
    expect(soql`SELECT ${idents(['Id', 'Email', 'Enrichment_Seniority__c', 'Owner__r'])} FROM ${ident('Contact')}`.text).toBe(
      'SELECT Id, Email, Enrichment_Seniority__c, Owner__r FROM Contact',
    );
    for (const bad of ['', '1abc', 'Name FROM User', 'Email,Id', "x'", 'a-b', 'Owner.Name', 'x__c)', 'é']) {
      expect(() => ident(bad)).toThrow(NonRetryableError);
    }
    // The types already refuse a mixed list; the runtime guard covers callers that cast.
    // @ts-expect-error identifiers and values cannot share a list
    expect(() => soql`SELECT ${[ident('Id'), 'Email']} FROM Contact`).toThrow(/mixes/);
  });

  it('validates record ids', () => {
    expect(soql`Id = ${sfId('0035g00000AbCdE')}`.text).toBe("Id = '0035g00000AbCdE'");
    for (const bad of ['003', "003000000000001' OR Id != '", '003000000000001AAAA', '00300000000000!']) {
      expect(() => sfId(bad)).toThrow(NonRetryableError);
    }
  });

  it('escapes LIKE wildcards only through like()', () => {
    expect(soql`Name LIKE ${like('50%_off', 'prefix')}`.text).toBe("Name LIKE '50\\%\\_off%'");
    expect(soql`Name LIKE ${like("o'b", 'contains')}`.text).toBe("Name LIKE '%o\\'b%'");
    expect(soql`Name LIKE ${like('end', 'suffix')}`.text).toBe("Name LIKE '%end'");
    const toks = tokenize(soql`SELECT Id FROM Contact WHERE Name LIKE ${like('a%b_c')}`.text);
    expect(toks.find((t) => t.t === 'string')).toMatchObject({ v: 'a%b_c' });
  });

  it('composes fragments made by soql only', () => {
    const conds = [soql`IsConverted = false`, soql`Email = ${"o'brien@example.com"}`];
    expect(soql`SELECT Id FROM Lead WHERE ${joinSoql(conds, ' AND ')}`.text).toBe("SELECT Id FROM Lead WHERE IsConverted = false AND Email = 'o\\'brien@example.com'");
    expect(String(soql`x`)).toBe('x');
    // Raw text cannot be smuggled in as a Soql: the constructor needs a token only soql.ts holds.
    const Forge = Soql as unknown as new (mint: symbol, text: string) => Soql;
    expect(() => new Forge(Symbol('soql'), 'SELECT Id FROM User')).toThrow(TypeError);
  });

  it('keeps random strings intact through escape and tokenize', () => {
    const alphabet = ["'", '"', '\\', '\n', '\r', '\t', '\b', '\f', '%', '_', 'a', 'Z', ' ', 'é', '日', '🚀', '(', ')', '=', ','];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(rnd() * 12);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const toks = literalsOf(soql`SELECT Id FROM Contact WHERE Email = ${s}`);
      expect(toks).toHaveLength(1);
      expect(toks[0]?.v).toBe(s);
    }
  });
});
