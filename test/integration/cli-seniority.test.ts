// `crm-enrich seniority` as a real child process: the issue-16 families reach the command line, and it still
// answers exactly one JSON line per input line (blank lines, CRLF, past roles and all).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;

function seniority(input: string) {
  const r = spawnSync(process.execPath, [BIN, 'seniority'], {
    env: { ...process.env, LOG_LEVEL: 'silent' },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, lines: r.stdout.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '') };
}

describe('crm-enrich seniority', () => {
  it('when titles in the new languages, partner, board and past-role families are piped, then one line each, in order', () => {
    const expected = [
      { title: 'VD', seniority: 'C-Level' },
      { title: 'Adm. dir.', seniority: 'C-Level' },
      { title: 'Toimitusjohtaja', seniority: 'C-Level' },
      { title: 'Prezes Zarządu', seniority: 'C-Level' },
      { title: 'Członek Rady Nadzorczej', seniority: 'Director' },
      { title: 'Lid Raad van Bestuur', seniority: 'C-Level' },
      { title: 'Salgschef', seniority: 'Director' },
      { title: 'AD', seniority: 'C-Level' },
      { title: 'Ad Operations Manager', seniority: 'Manager' },
      { title: 'General Counsel', seniority: 'VP' },
      { title: 'Equity Partner', seniority: 'Director' },
      { title: 'Non-Executive Chair', seniority: 'C-Level' },
      { title: 'Former CEO', seniority: null },
      { title: 'Former CEO, now CTO at Acme', seniority: 'C-Level' },
      { title: '', seniority: null },
      { title: 'Kesäharjoittelija', seniority: 'Intern' },
    ];
    const r = seniority(`${expected.map((e) => e.title).join('\r\n')}\r\n`);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => JSON.parse(l))).toEqual(expected);
  });

  it('when the last line has no newline or lines are blank, then still exactly one answer per input line', () => {
    const r = seniority('\n\nRetired\nStyrelseledamot');
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => JSON.parse(l))).toEqual([
      { title: '', seniority: null },
      { title: '', seniority: null },
      { title: 'Retired', seniority: null },
      { title: 'Styrelseledamot', seniority: 'Director' },
    ]);
  });
});
