// The "new" sync looks for contacts from a little before its high-water mark because HubSpot's search indexes new
// records late: a contact created before the newest one we saw, but indexed after our run, must still be found.
// The HubSpot fake delays search indexing like the real one; nothing else in the sync guards against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, importPeople, installCrm, runSync } from '../helpers/crm.js';

const MINUTE = 60_000;

describe('HubSpot new-records sync and late search indexing', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let emails: string[];
  const enriched = (id: string) => fake.getContact(id)!.properties.enrichment_source === 'dataset';

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    emails = importPeople(t, 2, { prefix: 'late' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when a contact is indexed for search only after a run saw a newer one, then the next run still enriches it', async () => {
    // Both created after the install (its high-water mark): `late` first, but HubSpot's search has not indexed it
    // yet; `newer` a moment later, indexed at once.
    fake.setSearchIndexDelay(60 * MINUTE);
    const late = fake.addContact({ email: emails[0]! });
    fake.setSearchIndexDelay(0);
    const newer = fake.addContact({ email: emails[1]! });
    expect(Date.parse(late.properties.createdate!)).toBeLessThan(Date.parse(newer.properties.createdate!));
    expect(await runSync(t, connectionId, 'new')).toMatchObject({ enriched: 1 });
    expect(enriched(newer.id)).toBe(true);
    expect(enriched(late.id)).toBe(false);

    // The index catches up. The high-water mark is now `newer`'s createdate, after `late`'s: only the overlap
    // brings `late` back into the search.
    fake.indexSearch();
    expect(await runSync(t, connectionId, 'new')).toMatchObject({ enriched: 1, errors: 0 });
    expect(enriched(late.id)).toBe(true);
  });

  it('when nothing is new, then a run enriches nobody twice', async () => {
    expect(await runSync(t, connectionId, 'new')).toMatchObject({ enriched: 0, errors: 0 });
  });
});
