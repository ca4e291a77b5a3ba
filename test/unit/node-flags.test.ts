// The launcher's per-command V8 flags: a dataset import runs with small semi-spaces (its peak memory), every other
// command (the server above all) with V8's defaults.
import { describe, expect, it } from 'vitest';
import { IMPORT_NODE_FLAGS, nodeFlagsFor } from '../../bin/node-flags.mjs';

describe('nodeFlagsFor', () => {
  it('when the command is a dataset import, then it runs with the small young generation', () => {
    expect(IMPORT_NODE_FLAGS).toEqual(['--max-semi-space-size=4']);
    expect(nodeFlagsFor(['dataset', 'import', 'people.jsonl'])).toEqual(IMPORT_NODE_FLAGS);
  });

  it('when the command is anything else, then no flag', () => {
    for (const argv of [['serve'], ['demo'], ['sync', 'con_1', '--mode', 'backfill'], [], ['--help']]) expect(nodeFlagsFor(argv)).toEqual([]);
  });
});
