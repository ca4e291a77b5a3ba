// A provider rarely spells an employer the same way twice ("Globex Corporation", then "GLOBEX CORP."): the
// job-change sync compares employers by their normalised key, so a new spelling is no job change and no task
// lands on an owner's desk. One real move in the same run proves the run would have noticed a change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, importPeople, installCrm, runSync } from '../helpers/crm.js';

const SPELLINGS = ['GLOBEX CORP.', 'Globex Corporation, Inc.', 'globex', 'Globex Corp'];

describe('job changes when the provider spells a company differently', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let ids: string[];

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    const emails = importPeople(t, 5, { prefix: 'spell', company: () => 'Globex Corporation', title: () => 'Account Manager' });
    ids = emails.map((email) => fake.addContact({ email, hubspot_owner_id: fake.owners[0]!.id }).id);
    expect(await runSync(t, connectionId, 'backfill')).toMatchObject({ enriched: 5 });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when the next run reports the same employer in other spellings, then no job change and no task; a real move still is one', async () => {
    // The provider's new answer: four people at "Globex" in four spellings, the fifth at Initech.
    importPeople(t, 5, { prefix: 'spell', company: (i) => SPELLINGS[i] ?? 'Initech LLC', title: () => 'Account Manager' });
    const counts = await runSync(t, connectionId, 'job-changes');
    expect(counts).toMatchObject({ checked: 5, changed: 1, tasks: 1, errors: 0 });
    const flags = ids.map((id) => fake.getContact(id)!.properties.enrichment_recent_job_change);
    expect(flags).toEqual(['false', 'false', 'false', 'false', 'true']);
    const tasks = fake.tasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.associations.map((a) => a.toObjectId)).toEqual([ids[4]]);
  });
});
