// Fails loudly when a tool runs on the machine's older Node instead of the `node` devDependency (Node 24).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`[assert-node] running on Node ${process.version} (${process.execPath}); crm-enrich needs Node >= 24.`);
  console.error('[assert-node] run `npm ci` without --ignore-scripts so the `node` devDependency installs its binary, and start tools through npm scripts or npx.');
  process.exit(1);
}
