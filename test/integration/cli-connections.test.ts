// `crm-enrich connections pause|resume|disconnect` as a real child process on the database of a service prepared
// in this process, with a HubSpot connection installed against the HubSpot fake running here (the disconnect
// revokes the refresh token there, over 127.0.0.1).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHubSpotFake, type HubSpotFake } from '../fakes/hubspot/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { hubspotEnv, installCrm } from '../helpers/crm.js';
import { runCli } from '../helpers/cli.js';

describeEachBackend('crm-enrich connections pause|resume|disconnect (child process)', (backend) => {
  let fake: HubSpotFake;
  let t: TestService;
  let connectionId: string;
  let env: Record<string, string>;

  const cli = (args: string[]) => runCli(args, env);
  const status = () => t.services.repos.connections.get(connectionId)!;

  beforeAll(async () => {
    fake = await startHubSpotFake();
    t = await startService({ backend, env: { ...hubspotEnv(fake), ENRICH_PROVIDERS: 'dataset' } });
    ({ connectionId } = await installCrm(t, 'hubspot'));
    env = { ...hubspotEnv(fake), ...t.storeEnv, LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset', PUBLIC_URL: 'https://crm-enrich.test' };
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when a connected connection is paused, then it prints nothing, exits 0 and the connection is paused by the command line', async () => {
    const r = await cli(['connections', 'pause', connectionId]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(status()).toMatchObject({ status: 'paused', status_reason: 'paused from the command line' });
  });

  it('when a paused connection is paused again, then it exits 1 with one line on stderr and nothing changes', async () => {
    const r = await cli(['connections', 'pause', connectionId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`crm-enrich: connection ${connectionId}: Only a connected CRM can be paused.`]);
    expect(status().status).toBe('paused');
  });

  it('when a paused connection is resumed, then it prints nothing, exits 0 and the connection is connected again', async () => {
    const r = await cli(['connections', 'resume', connectionId]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(status()).toMatchObject({ status: 'connected', status_reason: null });
    const again = await cli(['connections', 'resume', connectionId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Only a paused connection can be resumed.');
  });

  it('when the connection id is unknown, then each operation exits 1 naming the id', async () => {
    for (const op of ['pause', 'resume', 'disconnect']) {
      const r = await cli(['connections', op, 'con_nope']);
      expect(r.code, op).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual(['crm-enrich: no connection "con_nope" (see: crm-enrich connections list)']);
    }
  });

  it('when the id is missing or an operation is unknown, then it is a usage error (exit 2)', async () => {
    expect((await cli(['connections', 'pause'])).code).toBe(2);
    expect((await cli(['connections', 'disconnect', connectionId, 'extra'])).code).toBe(2);
    expect((await cli(['connections', 'explode', connectionId])).code).toBe(2);
    expect(status().status).toBe('connected');
  });

  it('when the connection is disconnected, then HubSpot revokes the refresh token, the tokens are forgotten and a second disconnect fails', async () => {
    const refreshToken = t.services.repos.connections.tokens(connectionId).refreshToken;
    expect(refreshToken).not.toBe('');
    fake.resetRequests();
    const r = await cli(['connections', 'disconnect', connectionId]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(fake.requests.filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual([`/oauth/v1/refresh-tokens/${refreshToken}`]);
    expect(status()).toMatchObject({ status: 'disconnected', status_reason: 'disconnected from the command line' });
    expect(t.services.repos.connections.tokens(connectionId)).toEqual({ accessToken: '', refreshToken: '', expiresAt: null });
    const again = await cli(['connections', 'disconnect', connectionId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Already disconnected.');
    expect((await cli(['connections', 'resume', connectionId])).code).toBe(1);
  });
});
