// `serve --role`: web nodes answer HTTP and enqueue; worker nodes run jobs and schedules and answer health checks only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend, TEST_ENCRYPTION_KEY } from '../helpers/backends.js';
import { freshSchema, type FreshSchema } from '../helpers/pg.js';
import { loadConfig } from '../../src/config/load.js';
import { createServices, serve, type Running, type Services } from '../../src/main.js';
import { createLogger } from '../../src/lib/logger.js';
import { SYNC_RUN } from '../../src/sync/runs.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

describeEachBackend('serve --role', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-roles-'));
  const nodes: { services: Services; running: Running }[] = [];
  let web: { services: Services; running: Running };
  let worker: { services: Services; running: Running };

  let store: Record<string, string> = { DATABASE_PATH: join(dir, 'crm-enrich.db') };
  let schema: FreshSchema | undefined;

  async function start(role: 'web' | 'worker') {
    const services = createServices(
      loadConfig({ ...store, LOG_LEVEL: 'silent', ADMIN_PASSWORD: 'correct-horse-battery', PUBLIC_URL: 'https://crm-enrich.test' }),
      { log: createLogger({ level: 'silent' }) },
    );
    const running = await serve(services, { port: 0, host: '127.0.0.1', announce: false, role });
    const node = { services, running };
    nodes.push(node);
    return node;
  }

  beforeAll(async () => {
    if (backend === 'postgres') {
      schema = await freshSchema('roles');
      store = { ...store, DATABASE_URL: schema.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
    }
    web = await start('web');
    worker = await start('worker');
  });

  afterAll(async () => {
    for (const n of nodes) {
      await n.running.stop();
      n.services.close();
    }
    rmSync(dir, { recursive: true, force: true });
    await schema?.drop();
  });

  it('when a web node and a worker node are probed, then /healthz answers as documented and its header names each role', async () => {
    for (const [node, role] of [[web, 'web'], [worker, 'worker']] as const) {
      const res = await fetch(`${node.running.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      expect(res.headers.get('x-crm-enrich-role')).toBe(role);
    }
  });

  it('when the API and the admin page are asked of a worker node, then it serves neither; the web node serves both', async () => {
    const body = JSON.stringify({ email: 'a@example.com' });
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${worker.running.url}/v1/profile/enrich`, { method: 'POST', body, headers })).status).toBe(404);
    expect((await fetch(`${worker.running.url}/admin`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${web.running.url}/v1/profile/enrich`, { method: 'POST', body, headers })).status).toBe(401);
    expect((await fetch(`${web.running.url}/admin`, { redirect: 'manual' })).status).toBe(303);
  });

  it('when a web node enqueues a job, then the worker node runs it (the web node runs no jobs)', async () => {
    // A run that does not exist: the worker's attempt fails it visibly, which is all this test needs to see.
    const { id } = web.services.queue.enqueue(SYNC_RUN, { runId: 'run_missing' }, { dedupeKey: 'roles-test', maxAttempts: 1 });
    await waitFor('the worker node attempted the job', () => (worker.services.queue.get(id)?.attempts ?? 0) > 0);
  });

  it('when serve is given a role that does not exist, then one usage line says so (exit 2)', async () => {
    const r = await runCli(['serve', '--role', 'cook'], { DATABASE_PATH: join(dir, 'never.db') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--role must be web, worker or all/);
  });
});
