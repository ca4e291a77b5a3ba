// The run view's routes without a browser: unknown or malformed run ids are a 404 (page or JSON), the JSON says a
// run's progress, and the revert POST needs the session's CSRF token and redirects with the outcome.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { adminCookie } from '../helpers/admin.js';
import { hubspotEnv, importPeople, installCrm, runSync } from '../helpers/crm.js';

describeEachBackend('the run view routes', (backend) => {
  let fake: HubSpotFake;
  let t: TestService;
  let cookie: string;
  let runId: string;
  let ids: string[];

  const get = (path: string) => fetch(`${t.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ backend, env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    const { connectionId } = await installCrm(t, 'hubspot');
    ids = importPeople(t, 2, { prefix: 'routes' }).map((email) => fake.addContact({ email }).id);
    await runSync(t, connectionId, 'backfill');
    runId = t.services.repos.runs.recent(connectionId, 1)[0]!.id;
    cookie = await adminCookie(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when a run id is unknown or malformed, then 404 — a page, or JSON for the progress endpoint', async () => {
    expect((await get('/admin/runs/run_nope')).status).toBe(404);
    expect((await get(`/admin/runs/${encodeURIComponent('<script>')}`)).status).toBe(404);
    const json = await get('/admin/runs/run_nope.json');
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual({ error: 'Not Found', message: 'no such run' });
    expect((await post('/admin/runs/run_nope/revert', {})).status).toBe(403); // no token: refused before anything
  });

  it('when the progress JSON is read, then it carries the state, the counts and the total', async () => {
    const res = await get(`/admin/runs/${runId}.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: runId, state: 'succeeded', live: false, total: 2, counts: { checked: 2, enriched: 2, found: 2, written: 2 } });
  });

  it('when the revert is posted without the CSRF token, then 403 and nothing changes; with it, the fields go back and the page says so', async () => {
    expect(fake.getContact(ids[0]!)!.properties.jobtitle).toBeTruthy();
    expect((await post(`/admin/runs/${runId}/revert`, {})).status).toBe(403);
    expect(fake.getContact(ids[0]!)!.properties.jobtitle).toBeTruthy();

    const page = await (await get(`/admin/runs/${runId}`)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await post(`/admin/runs/${runId}/revert`, { _csrf: token, tasks: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/runs/${runId}`);
    expect(fake.getContact(ids[0]!)!.properties.jobtitle ?? '').toBe('');
    const after = await (await get(`/admin/runs/${runId}`)).text();
    expect(after).toMatch(/Reverted \d+ fields; kept 0 changed since; 0 failed; 0 tasks deleted\./);
  });
});
