// A never-enriched contact can be reached by its own job (a webhook) and by a backfill: each path charges under its
// own ledger key, and the snapshot the first one commits makes the other skip the contact. A node that dies between
// its charge and that commit (or a batch whose CRM write failed and waits for its retry) leaves a charged contact
// with no snapshot. The other path must then replay that charge, not make a second one (src/sync/earlier-charge.ts).
// The dead node's state is set up directly: the charge under the dead path's key, its job not yet due again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactCreationEvent, sendWebhook, startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { connectionLedger, hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { contactJobKey } from '../../src/sync/handlers.js';

describe('a contact charged on one path before its node died', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let ids: string[];

  beforeEach(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    const emails = importPeople(t, 3, { prefix: 'paths' });
    const yesterday = new Date(Date.now() - 86_400_000);
    ids = emails.map((email) => fake.addContact({ email }, { createdAt: yesterday }).id);
  });

  afterEach(async () => {
    await t.close();
    await fake.close();
  });

  const charge = (key: string) => {
    const accountId = t.services.repos.connections.get(connectionId)!.account_id;
    return t.services.repos.ledger.record({
      accountId,
      connectionId,
      inputKind: 'email',
      outcome: 'found',
      found: true,
      cacheHit: false,
      provider: 'dataset',
      credits: 3,
      latencyMs: 1,
      idempotencyKey: key,
      at: Date.now(),
    });
  };
  const drain = () => t.services.createWorker({ concurrency: 1 }).drain();
  const notDueForAnHour = (jobId: number) => t.services.db.prepare('UPDATE jobs SET run_at = ? WHERE id = ?').run(Date.now() + 3_600_000, jobId);
  const rowsFor = (id: string) => connectionLedger(t, connectionId).filter((row) => row.idempotency_key?.endsWith(`:${id}`));

  it('when a webhook job charged a contact and died, then a backfill reaching the contact first replays that charge', async () => {
    const res = await sendWebhook(`${t.url}/webhooks/hubspot`, [contactCreationEvent(fake.portalId, ids[0]!)], {
      clientSecret: fake.clientSecret,
      signedUrl: `${t.services.config.PUBLIC_URL}/webhooks/hubspot`,
    });
    expect(res.status).toBe(200);
    const job = t.services.queue.byDedupeKey(contactJobKey(connectionId, 'contact', ids[0]!))!;
    const jobKey = `job:${job.id}:contact:${ids[0]}`;
    await charge(jobKey);
    notDueForAnHour(job.id);

    const { run } = t.services.runService.startRun(connectionId, 'backfill', 'test');
    await drain();
    expect(t.services.repos.runs.get(run.id)!.state).toBe('succeeded');
    for (const id of ids) expect(fake.getContact(id)!.properties.enrichment_source, id).toBe('dataset');
    expect(rowsFor(ids[0]!).map((row) => row.idempotency_key)).toEqual([jobKey]);
    expect(rowsFor(ids[1]!)).toHaveLength(1);

    // The job's turn comes: the contact is enriched already, nothing more is charged.
    t.services.db.prepare('UPDATE jobs SET run_at = 0 WHERE id = ?').run(job.id);
    await drain();
    expect(t.services.queue.get(job.id)!.state).toBe('succeeded');
    expect(rowsFor(ids[0]!)).toHaveLength(1);
    expect(connectionLedger(t, connectionId)).toHaveLength(ids.length);
  });

  it('when a backfill charged a contact and died, then the contact\'s webhook job reaching it first replays that charge', async () => {
    const { run, jobId } = t.services.runService.startRun(connectionId, 'backfill', 'test');
    const runKey = `run:${run.id}:contact:${ids[0]}`;
    await charge(runKey);
    notDueForAnHour(jobId);

    const res = await sendWebhook(`${t.url}/webhooks/hubspot`, [contactCreationEvent(fake.portalId, ids[0]!)], {
      clientSecret: fake.clientSecret,
      signedUrl: `${t.services.config.PUBLIC_URL}/webhooks/hubspot`,
    });
    expect(res.status).toBe(200);
    await drain();
    expect(fake.getContact(ids[0]!)!.properties.enrichment_source).toBe('dataset');
    expect(rowsFor(ids[0]!).map((row) => row.idempotency_key)).toEqual([runKey]);

    t.services.db.prepare('UPDATE jobs SET run_at = 0 WHERE id = ?').run(jobId);
    await drain();
    expect(t.services.repos.runs.get(run.id)!.state).toBe('succeeded');
    expect(rowsFor(ids[0]!)).toHaveLength(1);
    expect(connectionLedger(t, connectionId)).toHaveLength(ids.length);
  });
});
