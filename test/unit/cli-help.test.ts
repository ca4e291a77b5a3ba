// Per-command help: a command with an entry has forms and examples; one added to the overview only (another
// module's new command) still gets its own lines of the overview, so `--help` never answers "unknown command".
import { describe, expect, it } from 'vitest';
import { helpFor, helpPointer, wantsHelp } from '../../src/cli-help.js';

const OVERVIEW = `usage: crm-enrich <command>

  serve                                   run the HTTP server
  widgets list [--json]                   the last widgets
  widgets show <id>
                                          one widget with its counts
  credits [--json]
`;

describe('crm-enrich <command> --help', () => {
  it('when the command has an entry, then its summary, forms and examples', () => {
    expect(helpFor('serve', OVERVIEW)).toMatch(/^crm-enrich serve: Run the HTTP server[\s\S]*\nexamples:\n {2}PORT=\$\{PORT:-3000\} npx crm-enrich serve\n/);
  });

  it('when the command is only in the overview, then its lines of the overview (continuation lines included)', () => {
    expect(helpFor('widgets', OVERVIEW)).toBe('usage:\n  widgets list [--json]                   the last widgets\n  widgets show <id>\n                                          one widget with its counts\n');
  });

  it('when the command is unknown, then no help and the pointer names the general help', () => {
    expect(helpFor('frobnicate', OVERVIEW)).toBeUndefined();
    expect(helpPointer('frobnicate', OVERVIEW)).toBe('run "crm-enrich --help" for the list of commands');
    expect(helpPointer('widgets', OVERVIEW)).toBe('run "crm-enrich widgets --help" for usage and examples');
  });

  it('when --help or -h is anywhere after the command, then help is wanted', () => {
    expect(wantsHelp(['con_1', '--mode', 'new', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--helpful'])).toBe(false);
  });
});
