// Only an admin connects a CRM: the install needs an admin session, its OAuth state is bound to that session,
// and a callback from no session or another one stores nothing — over real HTTP against the HubSpot fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';
import { adminCookie, loginAdmin } from '../helpers/admin.js';

const CALLBACK = 'https://crm-enrich.test/oauth/hubspot/callback';

describe('CRM installs are admin-only', () => {
  let fake: HubSpotFake;
  let t: TestService;
  const states = () => t.services.db.prepare('SELECT COUNT(*) FROM oauth_states').pluck().get() as number;
  const connections = () => t.services.repos.connections.list().length;
  const accounts = () => t.services.repos.accounts.list().length;
  const get = (path: string, cookie?: string) => fetch(`${t.url}${path}`, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  /** Starts an install as the session of `cookie`; the state the consent screen would carry back. */
  const begin = async (cookie: string, account?: string) => {
    const res = await get(`/oauth/hubspot/install${account ? `?account=${account}` : ''}`, cookie);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('state')!;
  };

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset' } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when the install is requested without a session, then it redirects to the login page and stores nothing', async () => {
    for (const path of ['/oauth/hubspot/install', '/oauth/salesforce/install', '/oauth/hubspot/install?account=victim-name', '/oauth/nope/install']) {
      const res = await get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fconnections');
    }
    // A forged or stale cookie is no session either.
    expect((await get('/oauth/hubspot/install', 'crm_enrich_admin=forged-session-id-0123456789abcdef0123456789')).status).toBe(303);
    expect(states()).toBe(0);
    expect(accounts()).toBe(0);
  });

  it("when a callback carries a state begun by another admin session, then 400, nothing stored, and the owner's state still works", async () => {
    const mine = await adminCookie(t);
    const other = await loginAdmin(t.url);
    expect(other).not.toBe(mine);
    const state = await begin(mine, 'chosen-by-admin');
    for (const cookie of [other, undefined]) {
      const res = await get(`/oauth/hubspot/callback?code=${fake.issueAuthCode(CALLBACK)}&state=${state}`, cookie);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('start the install again');
    }
    expect(connections()).toBe(0);
    expect(accounts()).toBe(0);
    // The refused attempts did not spend the state: the admin who began the install completes it.
    const done = await get(`/oauth/hubspot/callback?code=${fake.issueAuthCode(CALLBACK)}&state=${state}`, mine);
    expect(done.status).toBe(302);
    expect(connections()).toBe(1);
    expect(t.services.repos.accounts.byName('chosen-by-admin')).toBeDefined();
  });

  it('when a disconnected connection receives a callback outside the admin flow, then it stays disconnected', async () => {
    const { connectionId } = await installCrm(t, 'hubspot');
    t.services.repos.connections.setStatus(connectionId, 'disconnected', 'disconnected from the admin page');
    const state = await begin(await adminCookie(t));
    const res = await get(`/oauth/hubspot/callback?code=${fake.issueAuthCode(CALLBACK)}&state=${state}`);
    expect(res.status).toBe(400);
    expect(t.services.repos.connections.get(connectionId)!.status).toBe('disconnected');
    // The admin's own reconnect does revive it.
    await installCrm(t, 'hubspot');
    expect(t.services.repos.connections.get(connectionId)!.status).toBe('connected');
  });

  it('when an account name carries control or bidi-override characters, then the install is refused', async () => {
    const cookie = await adminCookie(t);
    for (const name of ['evil%00name', 'txt%E2%80%AEexe', 'a%1Bb']) {
      const res = await get(`/oauth/hubspot/install?account=${name}`, cookie);
      expect(res.status, name).toBe(400);
    }
  });

  it('when states expire or are used, then the next install purges them', async () => {
    const cookie = await adminCookie(t);
    const now = t.services.clock.now();
    t.services.db.prepare('INSERT INTO oauth_states (state_hash, crm, created_at, expires_at, session_hash) VALUES (?, ?, ?, ?, ?)').run('stale', 'hubspot', now - 60_000, now - 1, 'x');
    await begin(cookie);
    const left = t.services.db.prepare('SELECT state_hash, used_at, expires_at FROM oauth_states').all() as { state_hash: string; used_at: number | null; expires_at: number }[];
    expect(left.map((s) => s.state_hash)).not.toContain('stale');
    // Only live states remain (the one just begun and one the earlier test left unused); used ones are gone.
    expect(left.every((s) => s.used_at === null && s.expires_at > now)).toBe(true);
    expect(left).toHaveLength(2);
  });
});
