// The guarantees on the admin connection page over real HTTP: the settings form saves (and refuses bad input
// without a 500), a mapping save keeps the guarantees, and the page shows a run's estimate before "Run sync now".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { adminCookie } from '../helpers/admin.js';
import { hubspotEnv, importPeople, installCrm } from '../helpers/crm.js';
import { guardsOf } from '../../src/sync/guard-settings.js';

describe('guarantees on the admin connection page', () => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let cookie: string;
  const page = async (query = '') => {
    const res = await fetch(`${t.url}/admin/connections/${connectionId}${query}`, { headers: { cookie }, redirect: 'manual' });
    expect(res.status).toBe(200);
    return res.text();
  };
  const guards = () => guardsOf(t.services.registry.get(connectionId).settings);
  const save = async (form: Record<string, string>) => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page())![1]!;
    const res = await fetch(`${t.url}/admin/connections/${connectionId}/guards`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      redirect: 'manual',
    });
    return { status: res.status, location: res.headers.get('location') };
  };

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    cookie = await adminCookie(t);
    const emails = importPeople(t, 3, { prefix: 'adm' });
    emails.forEach((email, i) => fake.addContact({ email, firstname: `First${i}`, lastname: `Last${i}` }));
    fake.addContact({ email: 'info@adm.example' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when the page is opened, then the guarantees show their defaults: the guard on, a 30-day interval, no budget', async () => {
    const html = await page();
    expect(html).toMatch(/<input type="checkbox" id="nameGuard" name="nameGuard" value="1" checked>/);
    expect(html).toContain('id="recheckDays" name="recheckDays" type="number" min="1" max="3650" step="1" required value="30"');
    expect(html).toContain('id="monitoringBudget" name="monitoringBudget" type="number" min="0" step="1" required value="0"');
    expect(guards()).toEqual({ nameGuard: true, roleMailboxes: [], recheckDays: 30, monitoringBudget: 0 });
  });

  it('when the form is saved, then the connection keeps the new guarantees, and a mapping save leaves them alone', async () => {
    const r = await save({ roleMailboxes: 'Events, partners;events', recheckDays: '14', monitoringBudget: '300' });
    expect(r).toEqual({ status: 303, location: `/admin/connections/${connectionId}#guarantees` });
    expect(guards()).toEqual({ nameGuard: false, roleMailboxes: ['events', 'partners'], recheckDays: 14, monitoringBudget: 300 });
    const { guards: _kept, ...mapping } = t.services.registry.get(connectionId).settings;
    t.services.connectionOps.saveSettings(connectionId, mapping);
    expect(guards()).toEqual({ nameGuard: false, roleMailboxes: ['events', 'partners'], recheckDays: 14, monitoringBudget: 300 });
    expect(await page()).toContain('value="events, partners"');
  });

  it('when the form has a bad value, then it is refused with a message and nothing changes', async () => {
    const before = guards();
    const bad: Record<string, string>[] = [
      { nameGuard: '1', recheckDays: 'soon', monitoringBudget: '0' },
      { nameGuard: '1', recheckDays: '0', monitoringBudget: '0' },
      { nameGuard: '1', recheckDays: '30', monitoringBudget: '-5' },
      { nameGuard: '1', recheckDays: '30', monitoringBudget: '0', roleMailboxes: 'not a/mailbox' },
    ];
    for (const form of bad) {
      const r = await save(form);
      expect(r.status, JSON.stringify(form)).toBe(303);
      expect(await page()).toContain(`class="flash error" role="alert"`);
      expect(guards()).toEqual(before);
    }
  });

  it('when an estimate is asked for on the page, then it shows what the estimator computes, and nothing is charged', async () => {
    const ledger = () => t.services.db.prepare('SELECT COUNT(*) AS n FROM credit_ledger').get() as { n: number };
    const before = ledger().n;
    const html = await page('?estimate=backfill');
    const e = await t.services.estimator.estimate(connectionId, 'backfill');
    expect(e).toEqual({ contacts: 4, to_enrich: 3, max_credits: 9 });
    const shown = /<p id="estimate-result">([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/\s+/g, ' ');
    expect(shown).toContain('look at <strong>4</strong> records and enrich <strong>3</strong> of them: at most <strong>9</strong> credits');
    expect(html.indexOf('id="estimate"')).toBeLessThan(html.indexOf('Run sync now'));
    expect(ledger().n).toBe(before);
    // An unknown mode is ignored rather than an error.
    expect(await page('?estimate=everything')).not.toContain('id="estimate-result"');
  });
});
