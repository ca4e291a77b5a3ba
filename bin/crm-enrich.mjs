#!/usr/bin/env node
// The crm-enrich command. Runs the TypeScript sources through tsx, so `npx crm-enrich` works right after
// `npm ci` with no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`crm-enrich: needs Node >= 24 but runs on ${process.version}; start it with npx or npm scripts so the project's Node 24 is used\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
