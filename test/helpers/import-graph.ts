// The import graph of src/ and connectors/, read from the source text, and the boundary rules of
// docs/architecture.md checked over it. A rule broken is returned as a sentence naming the file and the import.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  /** Repository-relative path of the importing file (src/admin/routes.ts). */
  from: string;
  /** Repository-relative path of the imported file, or the package name (better-sqlite3, node:fs). */
  to: string;
  /** `import type` / `export type` / every specifier marked `type`: erased at run time. */
  typeOnly: boolean;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** Files whose code (comments aside) mentions process.env. */
  readsEnv: string[];
}

const ROOTS = ['src', 'connectors'];

function listTs(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(root, p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Comments removed (a `//` inside a URL string survives: it follows a ':' or a quote). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\\w])\/\/.*$/gm, '$1');
}

const STATIC = /\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*['"]([^'"]+)['"]/g;
const BARE = /\bimport\s+['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function target(root: string, from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  return relative(root, resolve(root, dirname(from), spec)).replace(/\.js$/, '.ts');
}

export function readImportGraph(root: string): ImportGraph {
  const files = ROOTS.flatMap((r) => listTs(root, r)).sort();
  const edges: ImportEdge[] = [];
  const readsEnv: string[] = [];
  for (const file of files) {
    const src = code(readFileSync(join(root, file), 'utf8'));
    if (/\bprocess\.env\b/.test(src)) readsEnv.push(file);
    for (const m of src.matchAll(STATIC)) {
      const names = m[3]!.trim();
      const allTypes = names.startsWith('{') && names.endsWith('}') && names.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
      edges.push({ from: file, to: target(root, file, m[4]!), typeOnly: Boolean(m[2]) || allTypes });
    }
    for (const m of src.matchAll(BARE)) edges.push({ from: file, to: target(root, file, m[1]!), typeOnly: false });
    for (const m of src.matchAll(DYNAMIC)) edges.push({ from: file, to: target(root, file, m[1]!), typeOnly: false });
  }
  return { files, edges, readsEnv };
}

/** Every cycle's files, each cycle reported once (type-only imports count: they tie the modules together too). */
export function cycles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) if (graph.files.includes(e.to)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      if (state.get(t) === 'open') {
        const cycle = stack.slice(stack.indexOf(t));
        found.set([...cycle].sort().join(' '), [...cycle, t]);
      } else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.files) if (!state.has(f)) visit(f);
  return [...found.values()];
}

const under = (dir: string) => (p: string) => p.startsWith(`${dir}/`);
const isPackage = (p: string) => !p.startsWith('src/') && !p.startsWith('connectors/');
const SDKS: Record<string, string> = { '@hubspot/api-client': 'connectors/hubspot', jsforce: 'connectors/salesforce' };
/** Packages a connector may use besides its SDK: Node's own modules and small parsing libraries. */
const CONNECTOR_PACKAGES = new Set(['zod', 'fast-xml-parser']);

/** The boundary rules of docs/architecture.md; each broken rule is one sentence. */
export function boundaryViolations(graph: ImportGraph): string[] {
  const out: string[] = [];
  const say = (e: ImportEdge, rule: string) => out.push(`${e.from} imports ${e.to}: ${rule}`);
  for (const e of graph.edges) {
    const { from, to } = e;
    if (under('src/db')(from) && under('src/jobs')(to)) say(e, 'src/db imports nothing from src/jobs');
    if (under('src/db')(from) && under('connectors')(to) && !(to === 'connectors/types.ts' && e.typeOnly)) say(e, 'src/db imports no connector code (types of connectors/types.ts only)');
    if (under('src/lib')(from) && !isPackage(to) && !under('src/lib')(to)) say(e, 'src/lib imports nothing from src/ or connectors/');
    if (under('src/admin')(from) && to === 'src/main.ts') say(e, 'src/admin does not import src/main.ts (its dependencies are AdminDeps)');
    if (under('src/enrichment')(from) && ['src/sync', 'src/jobs', 'src/http', 'src/admin', 'src/db', 'connectors'].some((d) => under(d)(to))) {
      say(e, 'src/enrichment imports nothing from sync, jobs, http, admin, db or connectors');
    }
    if (under('connectors')(from)) {
      const own = from.split('/').slice(0, 2).join('/');
      const ok = to === 'connectors/types.ts' || under('src/lib')(to) || under(own)(to) || to.startsWith('node:') || CONNECTOR_PACKAGES.has(to) || SDKS[to] === own;
      if (!ok) say(e, 'connectors import only connectors/types.ts, src/lib, their own folder and their SDK');
    }
    if (SDKS[to] && !/^connectors\/(hubspot|salesforce)\/(client|oauth)\.ts$/.test(from)) say(e, 'only a connector\'s client.ts and oauth.ts import its SDK');
    if (to === 'better-sqlite3' && !under('src/db')(from)) say(e, 'only src/db imports better-sqlite3');
    if (to === 'pg' && !under('src/db')(from)) say(e, 'only src/db imports pg');
  }
  for (const f of graph.readsEnv) if (!under('src/config')(f)) out.push(`${f} reads process.env: only src/config does`);
  return out;
}
