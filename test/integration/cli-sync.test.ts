// `crm-enrich sync` and `connections list` as a real child process, on the database of a service prepared in this
// process, against the Salesforce fake running here (reached over 127.0.0.1).
import type { RunCounts } from '../../src/db/sync-runs.repo.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { importPeople, installCrm, outboundUrl, salesforceEnv } from '../helpers/crm.js';
import { runCli, type CliResult } from '../helpers/cli.js';

interface SyncSummary extends RunCounts {
  run_id: string;
  connection_id: string;
  mode: string;
  state: string;
  error: string | null;
}

describeEachBackend('crm-enrich sync (child process)', (backend) => {
  let fake: SalesforceFake;
  let t: TestService;
  let connectionId: string;
  let env: Record<string, string>;
  let ids: string[];

  const cli = (args: string[]) => runCli(args, env);

  function summary(r: CliResult): SyncSummary {
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines, r.stdout).toHaveLength(1);
    expect(r.stdout.endsWith('\n')).toBe(true);
    return JSON.parse(lines[0]!) as SyncSummary;
  }

  beforeAll(async () => {
    // Rotating refresh tokens: a refresh in one process invalidates the refresh token the other one holds.
    fake = await startSalesforceFake({ rotateRefreshTokens: true });
    // The server side holds the same database but runs no worker: the CLI does the work.
    t = await startService({ backend, env: { ...salesforceEnv(fake), ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' } });
    ({ connectionId } = await installCrm(t, 'salesforce'));
    const emails = importPeople(t, 30, { prefix: 'cli', company: () => 'Globex Corporation', title: () => 'Account Manager' });
    ids = emails.map((email, i) => fake.addRecord('Contact', { FirstName: `First${i}`, LastName: `Last${i}`, Email: email, OwnerId: fake.ownerIds[i % 2] }).Id);
    env = { ...salesforceEnv(fake), ...t.storeEnv, LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset', CACHE_TTL_DAYS: '0' };
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('when connections are listed as JSON, then the Salesforce connection is there with its id, crm, account, org, status and Outbound Message URL', async () => {
    const r = await cli(['connections', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toEqual([
      expect.objectContaining({ id: connectionId, crm: 'salesforce', account: `salesforce-${fake.orgId}`, external_id: fake.orgId, status: 'connected' }),
    ]);
    // The connection's own Outbound Message endpoint, on the CLI's PUBLIC_URL (unset here: the default).
    const secret = new URL(outboundUrl(t, connectionId)).pathname;
    expect(rows[0]!['outbound_message_url']).toBe(`http://localhost:3000${secret}`);
    expect(secret).toMatch(/^\/webhooks\/salesforce\/[A-Za-z0-9_-]{43}$/);
    const table = await cli(['connections', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(connectionId);
  });

  it('when a backfill is run from the command line, then one JSON summary line on stdout, progress on stderr, exit 0', async () => {
    fake.resetRequests();
    const r = await cli(['sync', connectionId, '--mode', 'backfill']);
    expect(r.code, r.stderr).toBe(0);
    const s = summary(r);
    expect(s).toMatchObject({ connection_id: connectionId, mode: 'backfill', state: 'succeeded', checked: 30, enriched: 30, written: 30, changed: 0, tasks: 0, errors: 0, error: null });
    expect(s.run_id).toMatch(/^run_/);
    expect(s.credits).toBeGreaterThan(0);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['checked', 'enriched', 'changed', 'tasks', 'credits', 'errors']));
    // Progress: "salesforce backfill [####…] 30/30 …" (a line per update off a terminal, and a final one).
    const done = [...r.stderr.matchAll(/salesforce backfill .*?(\d+)\/(\d+)/g)].at(-1);
    expect(done, r.stderr).toBeTruthy();
    expect([done![1], done![2]]).toEqual(['30', '30']);
    // The run is the one stored in the shared database, and the work reached Salesforce.
    expect(t.services.repos.runs.get(s.run_id)).toMatchObject({ state: 'succeeded', trigger: 'cli', mode: 'backfill' });
    for (const id of ids) expect(fake.getRecord(id)!['Enrichment_Source__c'], id).toBe('dataset');
    expect(fake.requests.some((q) => q.method === 'PATCH' && q.path.endsWith('/composite/sobjects'))).toBe(true);
  });

  it('when a job-changes sync is run from the command line, then the summary counts the changes and the tasks', async () => {
    importPeople(t, 2, { prefix: 'cli', company: () => 'Initech LLC', title: () => 'Head of Sales' });
    const r = await cli(['sync', connectionId, '--mode', 'job-changes']);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r)).toMatchObject({ mode: 'job-changes', state: 'succeeded', checked: 30, changed: 2, tasks: 2, errors: 0 });
    expect(fake.records('Task').map((x) => x['WhoId']).sort()).toEqual([ids[0], ids[1]].sort());
  });

  it('when the CLI refreshed a rotated token, then the server process continues with the stored one instead of its stale copy', async () => {
    const repo = t.services.repos.connections;
    // The server process has a live session of its own (built at install) holding its copy of the tokens.
    const [cliEmail, serverEmail] = importPeople(t, 2, { prefix: 'rotation' });
    const c = fake.addRecord('Contact', { LastName: 'Last0', Email: cliEmail });
    const before = repo.tokens(connectionId);
    fake.expireAccessTokens();
    fake.resetRequests();
    const r = await cli(['sync', connectionId, '--mode', 'backfill']);
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r)).toMatchObject({ state: 'succeeded', enriched: 1, errors: 0 });
    const after = repo.tokens(connectionId);
    expect(after.refreshToken).not.toBe(before.refreshToken); // rotated by the child and persisted
    // Now the server's worker: its access token is dead and its refresh token was rotated away.
    fake.expireAccessTokens();
    fake.resetRequests();
    const d = fake.addRecord('Contact', { LastName: 'Last1', Email: serverEmail });
    expect((await fake.sendOutboundMessage(outboundUrl(t, connectionId), 'Contact', [d.Id])).status).toBe(200);
    await t.services.createWorker({ concurrency: 1 }).drain();
    expect(fake.getRecord(d.Id)).toMatchObject({ Title: 'Senior Engineer', Enrichment_Source__c: 'dataset' });
    expect(fake.getRecord(c.Id)!['Enrichment_Source__c']).toBe('dataset');
    expect(repo.get(connectionId)!.status).toBe('connected');
    // One refresh, with the refresh token the child stored (the server's own copy was rotated away).
    expect(fake.requests.filter((q) => q.path === '/services/oauth2/token').map((q) => q.status)).toEqual([200]);
    expect(repo.tokens(connectionId).refreshToken).not.toBe(after.refreshToken);
  });

  it('when the mode is wrong, then exit 2 with the usage; when the connection is unknown, then exit 1 with one line', async () => {
    const [bad, missing, unknown] = await Promise.all([
      cli(['sync', connectionId, '--mode', 'everything']),
      cli(['sync', connectionId]),
      cli(['sync', 'con_does_not_exist', '--mode', 'backfill']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--mode must be new, backfill or job-changes/);
    expect(missing.code).toBe(2);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no connection "con_does_not_exist"/);
  });
});
