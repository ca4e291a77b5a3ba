// The import graph of src/ and connectors/ has no cycle and keeps the boundaries of docs/architecture.md: the
// enrichment core knows no CRM, storage or route; connectors know only the port, src/lib and their SDK; src/db
// knows no queue; src/lib knows nothing of src/; the admin pages do not reach into the composition root.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boundaryViolations, cycles, readImportGraph, type ImportEdge, type ImportGraph } from '../helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the import graph of src/ and connectors/', () => {
  const graph = readImportGraph(ROOT);

  it('when it is read, then it covers both trees and sees their imports', () => {
    expect(graph.files).toEqual(expect.arrayContaining(['src/main.ts', 'src/admin/routes.ts', 'connectors/types.ts', 'connectors/hubspot/client.ts']));
    expect(graph.edges).toContainEqual({ from: 'src/main.ts', to: 'src/admin/routes.ts', typeOnly: false });
    expect(graph.edges).toContainEqual({ from: 'connectors/hubspot/client.ts', to: '@hubspot/api-client', typeOnly: false });
    expect(graph.edges).toContainEqual({ from: 'src/db/open.ts', to: 'better-sqlite3', typeOnly: false });
    expect(graph.readsEnv).toEqual(expect.arrayContaining(['src/config/load.ts']));
  });

  it('when every import is followed, then no module reaches itself again', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('when every import is checked against the boundary rules, then none is broken', () => {
    expect(boundaryViolations(graph)).toEqual([]);
  });
});

describe('the boundary checker itself', () => {
  const files = ['src/main.ts', 'src/admin/routes.ts', 'src/db/admin.repo.ts', 'src/jobs/queue.ts', 'src/lib/metrics.ts', 'src/enrichment/enrich.ts', 'src/sync/pipeline.ts', 'connectors/types.ts', 'connectors/hubspot/session.ts', 'connectors/salesforce/client.ts'];
  const graphOf = (edges: ImportEdge[], readsEnv: string[] = []): ImportGraph => ({ files, edges, readsEnv });
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });

  it('when a type-only import closes a loop, then it is a cycle', () => {
    expect(cycles(graphOf([edge('src/main.ts', 'src/admin/routes.ts'), edge('src/admin/routes.ts', 'src/main.ts', true)]))).toEqual([['src/main.ts', 'src/admin/routes.ts', 'src/main.ts']]);
  });

  it('when each rule is broken once, then each is reported', () => {
    const found = boundaryViolations(
      graphOf(
        [
          edge('src/admin/routes.ts', 'src/main.ts', true),
          edge('src/db/admin.repo.ts', 'src/jobs/queue.ts', true),
          edge('src/db/admin.repo.ts', 'connectors/hubspot/session.ts', true),
          edge('src/db/admin.repo.ts', 'connectors/types.ts'),
          edge('src/lib/metrics.ts', 'src/enrichment/enrich.ts', true),
          edge('src/enrichment/enrich.ts', 'src/sync/pipeline.ts'),
          edge('connectors/hubspot/session.ts', 'connectors/salesforce/client.ts'),
          edge('connectors/hubspot/session.ts', 'src/db/admin.repo.ts', true),
          edge('connectors/hubspot/session.ts', '@hubspot/api-client'),
          edge('connectors/salesforce/client.ts', '@hubspot/api-client'),
          edge('src/sync/pipeline.ts', 'better-sqlite3'),
        ],
        ['src/sync/pipeline.ts'],
      ),
    );
    expect(found).toEqual([
      'src/admin/routes.ts imports src/main.ts: src/admin does not import src/main.ts (its dependencies are AdminDeps)',
      'src/db/admin.repo.ts imports src/jobs/queue.ts: src/db imports nothing from src/jobs',
      'src/db/admin.repo.ts imports connectors/hubspot/session.ts: src/db imports no connector code (types of connectors/types.ts only)',
      'src/db/admin.repo.ts imports connectors/types.ts: src/db imports no connector code (types of connectors/types.ts only)',
      'src/lib/metrics.ts imports src/enrichment/enrich.ts: src/lib imports nothing from src/ or connectors/',
      'src/enrichment/enrich.ts imports src/sync/pipeline.ts: src/enrichment imports nothing from sync, jobs, http, admin, db or connectors',
      'connectors/hubspot/session.ts imports connectors/salesforce/client.ts: connectors import only connectors/types.ts, src/lib, their own folder and their SDK',
      'connectors/hubspot/session.ts imports src/db/admin.repo.ts: connectors import only connectors/types.ts, src/lib, their own folder and their SDK',
      "connectors/hubspot/session.ts imports @hubspot/api-client: only a connector's client.ts and oauth.ts import its SDK",
      'connectors/salesforce/client.ts imports @hubspot/api-client: connectors import only connectors/types.ts, src/lib, their own folder and their SDK',
      'src/sync/pipeline.ts imports better-sqlite3: only src/db imports better-sqlite3',
      'src/sync/pipeline.ts reads process.env: only src/config does',
    ]);
  });
});
