// `npm run openapi` writes docs/openapi.json from the zod schemas; `npm run openapi -- --check` only compares and
// exits 1 when the file is stale (test/unit/openapi.test.ts fails the same way).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiDocument } from '../src/http/openapi.js';

const file = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const fresh = renderOpenApiDocument();
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {
  /* not written yet */
}
if (process.argv.includes('--check')) {
  if (current !== fresh) {
    process.stderr.write('docs/openapi.json is stale: run `npm run openapi`\n');
    process.exitCode = 1;
  }
} else if (current !== fresh) {
  writeFileSync(file, fresh);
  process.stderr.write('wrote docs/openapi.json\n');
} else {
  process.stderr.write('docs/openapi.json is up to date\n');
}
