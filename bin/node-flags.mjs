// V8 flags a command runs with, shared by the launcher (bin/crm-enrich.mjs) and the import benchmark so both
// measure the same process.
//
// A dataset import makes millions of short-lived objects (lines, parsed records, profiles). With V8's default
// young generation (semi-spaces of up to 32 MB, three of them) that garbage sits in memory between scavenges:
// 300,000 records peaked at 187–209 MB. With 4 MB semi-spaces the same import peaks at 131–134 MB at the same
// rate (bench section 5, BENCH_ONLY=import). The server keeps V8's defaults.
export const IMPORT_NODE_FLAGS = ['--max-semi-space-size=4'];

/** The extra flags `argv` (the command's arguments) should run with; empty when none. */
export function nodeFlagsFor(argv) {
  return argv[0] === 'dataset' ? IMPORT_NODE_FLAGS : [];
}
