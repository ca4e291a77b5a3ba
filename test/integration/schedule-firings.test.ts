// Several worker nodes each run a scheduler over the same schedules: a firing starts one run, whatever the number of
// nodes, even when the first node's run has already finished by the time a slower node fires.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { loadConfig } from '../../src/config/load.js';
import { createServices, type Services } from '../../src/main.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Clock } from '../../src/lib/clock.js';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';

describeEachBackend('scheduled runs on several nodes', (backend) => {
  let fake: HubSpotFake;
  let t: TestService;
  let second: Services;
  let connectionId: string;
  let now = Date.UTC(2026, 11, 4, 12, 0, 0, 400);
  const clock: Clock = { now: () => now };
  const runsOf = () =>
    t.services.db.prepare(`SELECT id, state FROM sync_runs WHERE connection_id = ? AND mode = 'job-changes' ORDER BY created_at`).all(connectionId) as { id: string; state: string }[];

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset' }, clock, backend });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    // A second node on the same database (its own handles, its own scheduler).
    second = createServices(loadConfig({ ...t.storeEnv, LOG_LEVEL: 'silent', PUBLIC_URL: 'https://crm-enrich.test', ...hubspotEnv(fake) }), {
      log: createLogger({ level: 'silent' }),
      clock,
    });
  });

  afterAll(async () => {
    second?.close();
    await t?.close();
    await fake?.close();
  });

  it('when two nodes fire the same schedule in the same minute, then one run starts', () => {
    t.services.scheduler.fire(connectionId, 'job-changes');
    now += 1_500; // the other node's cron ticks a little later
    second.scheduler.fire(connectionId, 'job-changes');
    expect(runsOf()).toHaveLength(1);
  });

  it('when the first run has finished before the other node fires, then the other node still starts none', () => {
    const [run] = runsOf();
    t.services.repos.runs.finish(run!.id, 'succeeded', null, clock.now());
    now += 500;
    second.scheduler.fire(connectionId, 'job-changes');
    expect(runsOf()).toHaveLength(1);
  });

  it('when a node whose clock runs slightly early fires for the next minute, then that firing starts the next run', () => {
    now = Date.UTC(2026, 11, 4, 12, 0, 59, 700); // 0.3 s before 12:01 on this node's clock: the 12:01 firing
    second.scheduler.fire(connectionId, 'job-changes');
    now = Date.UTC(2026, 11, 4, 12, 1, 0, 900);
    t.services.scheduler.fire(connectionId, 'job-changes');
    expect(runsOf()).toHaveLength(2);
  });
});
