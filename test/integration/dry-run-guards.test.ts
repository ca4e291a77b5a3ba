// The mapping page's dry run applies the guards a real sync applies (HubSpot fake, over real HTTP): a role or
// disposable mailbox is reported as skipped and never looked up (nothing charged), and a profile naming someone
// else shows that nothing would be written and why; an ordinary record still previews its writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { adminCookie } from '../helpers/admin.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';
import { importDataset } from '../../src/enrichment/dataset-import.js';
import { guardsOf } from '../../src/sync/guard-settings.js';

describe('the mapping dry run applies the guards', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let cookie: string;
  const ledgerRows = () => (t.services.db.prepare('SELECT COUNT(*) AS n FROM credit_ledger').get() as { n: number }).n;
  const cacheRows = () => (t.services.db.prepare('SELECT COUNT(*) AS n FROM profile_cache').get() as { n: number }).n;
  /** Posts the dry-run form for one record (id or email) and returns the preview section's text. */
  const dryRun = async (contactId: string) => {
    const mapping = `${t.url}/admin/connections/${connectionId}/mapping`;
    const page = await (await fetch(mapping, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${mapping}/preview`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, objectType: 'contact', contactId }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const section = /<section id="preview"[\s\S]*?<\/section>/.exec(html)?.[0];
    expect(section, 'the page shows a dry-run section').toBeDefined();
    return section!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  };

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '30' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    cookie = await adminCookie(t);
    // Every address below has a profile in the dataset: a lookup would find it and charge for it.
    const people = [
      { email: 'info@dryrun.example', first_name: 'Info', last_name: 'Desk', title: 'Office Manager' },
      { email: 'jo@mailinator.com', first_name: 'Jo', last_name: 'Temp', title: 'Analyst' },
      { email: 'recycled@dryrun.example', first_name: 'Peter', last_name: 'Meyer', title: 'Chief Executive Officer' },
      { email: 'ana@dryrun.example', first_name: 'Ana', last_name: 'García', title: 'Head of Sales' },
    ];
    const r = importDataset(people.map((p) => JSON.stringify({ ...p, company: 'Dry Run Ltd' })).join('\n'), t.services.repos.dataset, {
      format: 'jsonl',
      now: new Date(t.services.clock.now()),
      jobChangeWindowDays: 90,
    });
    expect(r.skipped).toBe(0);
    fake.addContact({ email: 'info@dryrun.example' });
    fake.addContact({ email: 'jo@mailinator.com', firstname: 'Jo', lastname: 'Temp' });
    fake.addContact({ email: 'recycled@dryrun.example', firstname: 'Rachel', lastname: 'Stone' });
    fake.addContact({ email: 'ana@dryrun.example', firstname: 'Ana', lastname: 'Garcia' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when the record is a role mailbox, then it is reported as skipped with its reason and not looked up', async () => {
    const [ledger, cache] = [ledgerRows(), cacheRows()];
    const text = await dryRun('info@dryrun.example');
    expect(text).toContain('Skipped: role_mailbox');
    expect(text).toContain('role or shared mailbox');
    expect(text).toContain('nothing was charged');
    expect(text).not.toContain('Would be written');
    expect([ledgerRows(), cacheRows()]).toEqual([ledger, cache]);
  });

  it('when the record is a disposable address, then it is reported as skipped with its reason and not looked up', async () => {
    const [ledger, cache] = [ledgerRows(), cacheRows()];
    const text = await dryRun('jo@mailinator.com');
    expect(text).toContain('Skipped: disposable_email');
    expect(text).not.toContain('Would be written');
    expect([ledgerRows(), cacheRows()]).toEqual([ledger, cache]);
  });

  it('when the profile found names someone else, then the dry run shows that nothing would be written and why', async () => {
    const text = await dryRun('recycled@dryrun.example');
    expect(text).toContain('Skipped: name_mismatch');
    expect(text).toContain('names Peter Meyer, but the record names Rachel Stone');
    expect(text).toContain('would write nothing');
    expect(text).not.toContain('Would be written');
    expect(text).not.toContain('Chief Executive Officer');
  });

  it('when the guard is off, then the same record previews its writes; an ordinary record always does', async () => {
    const ana = await dryRun('ana@dryrun.example');
    expect(ana).not.toContain('Skipped:');
    expect(ana).toContain('Would be written');
    expect(ana).toContain('Head of Sales');
    t.services.connectionOps.saveGuards(connectionId, { ...guardsOf(t.services.registry.get(connectionId).settings), nameGuard: false });
    const text = await dryRun('recycled@dryrun.example');
    expect(text).not.toContain('name_mismatch');
    expect(text).toContain('Chief Executive Officer');
  });
});
