#!/usr/bin/env node
// The crm-enrich command. Runs the TypeScript sources through tsx, so `npx crm-enrich` works right after
// `npm ci` with no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`crm-enrich: needs Node >= 24 but runs on ${process.version}; start it with npx or npm scripts so the project's Node 24 is used\n`);
  process.exit(1);
}
const { nodeFlagsFor } = await import('./node-flags.mjs');
const flags = nodeFlagsFor(process.argv.slice(2)).filter((f) => !process.execArgv.includes(f));
if (flags.length) {
  // Flags that shape V8's heap only work from the start: run the command again in a child that has them. The child
  // shares our stdin, stdout and stderr; a terminal's Ctrl-C reaches it directly (same process group), so this
  // process ignores SIGINT and passes SIGTERM / SIGHUP on.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`crm-enrich: could not start: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli.ts');
  process.exitCode = await main(process.argv.slice(2));
}
