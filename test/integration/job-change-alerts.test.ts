// Job-change alerts against a local receiving server: a run that finds job changes posts them once to the
// connection's URL after it finished (the run never waits for the receiver), a 500 is retried, a refusal is shown
// on the connection page, a run without job changes posts nothing, and a delivered alert is never posted again.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, importJobChangeCohort, importPeople, importThreeMoves, installCrm, runSync } from '../helpers/crm.js';
import { adminCookie } from '../helpers/admin.js';
import { waitFor } from '../helpers/wait.js';
import { RUN_ALERT } from '../../src/sync/alerts.js';
import type { Worker } from '../../src/jobs/worker.js';

interface Received {
  path: string;
  body: any;
}

/** A receiving server whose answers the test scripts: each request waits for the next scripted status. */
async function startReceiver() {
  const received: Received[] = [];
  const waiting: { res: ServerResponse }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(raw) });
      waiting.push({ res });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    /** Answers the oldest held request. */
    answer(status: number) {
      const w = waiting.shift();
      if (!w) throw new Error('no request is waiting');
      w.res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    },
    held: () => waiting.length,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

describe('job-change alerts', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let connectionId: string;
  let worker: Worker;

  const cookie = () => adminCookie(t);
  async function adminPost(path: string, form: Record<string, string>): Promise<Response> {
    const page = await fetch(`${t.url}/admin/connections/${connectionId}`, { headers: { cookie: await cookie() } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    return fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { cookie: await cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      redirect: 'manual',
    });
  }
  const connectionPage = async () => (await fetch(`${t.url}/admin/connections/${connectionId}`, { headers: { cookie: await cookie() } })).text();
  const alertOf = (runId: string) => t.services.repos.alerts.runAlert(runId);

  beforeAll(async () => {
    fake = await startHubSpotFake();
    receiver = await startReceiver();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    const emails = importJobChangeCohort(t);
    emails.forEach((email) => fake.addContact({ email, hubspot_owner_id: fake.owners[0]!.id }));
    await runSync(t, connectionId, 'backfill');
    worker = t.services.createWorker({ concurrency: 1 });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await fake?.close();
    await receiver?.close();
  });

  it('when the URL is not http(s), then it is refused with a message and nothing is stored', async () => {
    for (const url of ['ftp://example.com/hook', 'javascript:alert(1)', 'not a url', 'https://user:pw@example.com/x']) {
      const res = await adminPost(`/admin/connections/${connectionId}/alerts`, { url, format: 'slack' });
      expect(res.status).toBe(303);
      expect(await connectionPage()).toContain('The alert URL was not saved');
      expect(t.services.repos.alerts.target(connectionId)).toBeNull();
    }
  });

  it('when a run finds 3 job changes and the receiver first answers 500, then the run finishes without waiting and the alert is posted again until delivered, once', async () => {
    const res = await adminPost(`/admin/connections/${connectionId}/alerts`, { url: `${receiver.url}/slack/T000/B000/secret`, format: 'slack' });
    expect(res.status).toBe(303);
    const page = await connectionPage();
    expect(page).toContain(`${receiver.url}/slack/T000/…`);
    expect(page).not.toContain('secret'); // the URL is a credential: only its start is shown
    importThreeMoves(t);
    worker.start();
    const { run } = t.services.runService.startRun(connectionId, 'job-changes', 'test');
    worker.poke();
    // The receiver holds the first post: the run has already succeeded meanwhile.
    await waitFor('the first alert post', () => receiver.held() === 1);
    expect(t.services.repos.runs.get(run.id)!.state).toBe('succeeded');
    expect(t.services.repos.runs.get(run.id)!.counts.changed).toBe(3);
    const text: string = receiver.received[0]!.body.text;
    expect(Object.keys(receiver.received[0]!.body)).toEqual(['text']);
    expect(text).toContain('3 job changes');
    expect(text).toContain('First0 Last0: Account Manager at Globex Corporation → Head of Sales at Initech LLC');
    expect(text).toContain(`/admin/job-changes?run=${run.id}`);
    receiver.answer(500);
    await waitFor('the failed attempt to be recorded', () => alertOf(run.id)?.attempts === 1);
    expect(alertOf(run.id)).toMatchObject({ state: 'pending', last_status: 500 });
    const retrying = await connectionPage();
    expect(retrying).toContain('retrying');
    expect(retrying).toContain('HTTP 500');
    // The queue retries with backoff; the second post is answered 200.
    await waitFor('the retried alert post', () => receiver.held() === 1, { timeoutMs: 60_000 });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toEqual(receiver.received[0]!.body);
    receiver.answer(200);
    await waitFor('the delivery to be recorded', () => alertOf(run.id)?.state === 'delivered');
    expect(alertOf(run.id)).toMatchObject({ attempts: 2, last_status: 200, last_error: null, changes: 3 });
    expect(await connectionPage()).toContain('delivered');

    // The same alert queued again (a duplicate job, a restart) posts nothing.
    t.services.queue.enqueue(RUN_ALERT, { runId: run.id }, { dedupeKey: `alert:${run.id}:again` });
    worker.poke();
    await waitFor('the duplicate alert job to finish', () => t.services.queue.counts().queued + t.services.queue.counts().running === 0);
    expect(receiver.received).toHaveLength(2);
  });

  it('when a run finds no job change, then nothing is posted', async () => {
    await worker.stop();
    const counts = await runSync(t, connectionId, 'job-changes');
    expect(counts.changed).toBe(0);
    const last = t.services.repos.runs.recent(connectionId, 1)[0]!;
    expect(alertOf(last.id)).toBeUndefined();
    expect(receiver.received).toHaveLength(2);
  });

  it('when the receiver refuses the JSON alert (400), then it is not retried and the failure is shown on the connection page', async () => {
    await adminPost(`/admin/connections/${connectionId}/alerts`, { url: `${receiver.url}/json`, format: 'json' });
    importPeople(t, 1, { prefix: 'jc', company: () => 'Umbrella Corp', title: () => 'Director of Sales' });
    const { run } = t.services.runService.startRun(connectionId, 'job-changes', 'test');
    const drained = t.services.createWorker({ concurrency: 1 }).drain();
    await waitFor('the JSON alert post', () => receiver.held() === 1);
    const body = receiver.received[2]!.body;
    expect(body).toMatchObject({ event: 'job_changes', total: 1, run: { id: run.id, mode: 'job-changes', crm: 'hubspot' } });
    expect(body.job_changes[0]).toMatchObject({ previous_company: 'Initech LLC', new_company: 'Umbrella Corp', email: 'jc0@bulk.example' });
    expect(body.job_changes[0].record_url).toMatch(/^https:\/\/app\.hubspot\.com\/contacts\/\d+\/record\/0-1\/\d+$/);
    receiver.answer(400);
    await drained;
    expect(alertOf(run.id)).toMatchObject({ state: 'failed', attempts: 1, last_status: 400 });
    const page = await connectionPage();
    expect(page).toContain('failed');
    expect(page).toContain('the notification URL answered HTTP 400');
    expect(receiver.received).toHaveLength(3);
    // The dashboard lists the failing URL under "Needs attention", with a link to the connection's alerts.
    const dashboard = await (await fetch(`${t.url}/admin`, { headers: { cookie: await cookie() } })).text();
    const attention = /<section id="attention"[\s\S]*?<\/section>/.exec(dashboard)?.[0] ?? '';
    expect(attention).toContain('notification URL of HubSpot');
    expect(attention).toContain('HTTP 400');
    expect(attention).toContain(`/admin/connections/${connectionId}#alerts`);
  });
});

describe('job-change alerts to a receiver that never answers', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    fake = await startHubSpotFake();
    receiver = await startReceiver();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' }, services: { alertTimeoutMs: 300 } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await receiver?.close();
  });

  it('when the post gets no answer, then it times out, the attempt is recorded as such and retried later', async () => {
    const { connectionId } = await installCrm(t, 'hubspot');
    const emails = importJobChangeCohort(t);
    emails.forEach((email) => fake.addContact({ email }));
    await runSync(t, connectionId, 'backfill');
    t.services.repos.alerts.setTarget(connectionId, `${receiver.url}/hook`, 'json');
    importThreeMoves(t);
    const counts = await runSync(t, connectionId, 'job-changes'); // drains the run and the alert's first attempt
    expect(counts.changed).toBe(3);
    expect(receiver.held()).toBe(1);
    const run = t.services.repos.runs.recent(connectionId, 1)[0]!;
    expect(t.services.repos.alerts.runAlert(run.id)).toMatchObject({ state: 'pending', attempts: 1, last_status: null, last_error: 'the notification URL timed out' });
    const job = t.services.queue.recent(10).find((j) => j.name === RUN_ALERT)!;
    expect(job).toMatchObject({ state: 'retry', attempts: 1 });
    expect(job.run_at - job.updated_at).toBeGreaterThanOrEqual(1000); // backed off, not retried at once
  });
});
