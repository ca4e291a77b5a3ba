// `crm-enrich demo` reaches a job change and its task: in-process (the stand-in CRMs' state is checked directly),
// and as the real command a newcomer runs (its printout, the admin login with the printed password, Ctrl-C).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/demo.js';
import { createLogger } from '../../src/lib/logger.js';
import { loginAdmin } from '../helpers/admin.js';
import { waitFor } from '../helpers/wait.js';

const BIN = new URL('../../bin/crm-enrich.mjs', import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crm-enrich-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the demo, in-process', () => {
  let demo: Demo;
  const said: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({ port: 0, dataDir: join(dir, 'in-process'), log: createLogger({ level: 'silent' }), say: (l) => said.push(l) });
  });
  afterAll(async () => {
    await demo?.stop();
  });

  it('when it has started, then both CRMs were connected through OAuth and every seeded contact was written back', () => {
    const conns = demo.services.repos.connections.list();
    expect(conns.map((c) => [c.crm, c.status]).sort()).toEqual([
      ['hubspot', 'connected'],
      ['salesforce', 'connected'],
    ]);
    // The install exchanged a code at the stand-in's token endpoint, as against the real CRM.
    expect(demo.hubspot.requests.some((r) => r.method === 'POST' && r.path === '/oauth/v1/token')).toBe(true);
    expect(demo.story.datasetProfiles).toBeGreaterThanOrEqual(60);
    expect(demo.story.hubspot.backfill).toMatchObject({ checked: 30, written: 30, errors: 0 });
    expect(demo.story.salesforce.backfill).toMatchObject({ checked: 30, written: 30, errors: 0 });
    expect(demo.hubspot.contacts()).toHaveLength(31);
    expect(demo.salesforce.records('Contact')).toHaveLength(31);
  });

  it('when a contact was created after the install, then its webhook / Outbound Message got it enriched', () => {
    expect(demo.hubspot.getContact(demo.story.hubspot.liveRecord.id)!.properties.jobtitle).toBeTruthy();
    expect(demo.story.hubspot.liveRecord.title).toBe(demo.hubspot.getContact(demo.story.hubspot.liveRecord.id)!.properties.jobtitle);
    expect(demo.salesforce.getRecord(demo.story.salesforce.liveRecord.id)!['Title']).toBeTruthy();
  });

  it('when a person moved, then the contact is flagged with the previous company and the owner has a task', () => {
    const hs = demo.story.hubspot.jobChange;
    const contact = demo.hubspot.getContact(hs.recordId)!.properties;
    expect(contact).toMatchObject({ enrichment_recent_job_change: 'true', enrichment_previous_company: hs.from, company: hs.to });
    const tasks = demo.hubspot.tasks().filter((t) => t.associations.some((a) => a.toObjectId === hs.recordId));
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties.hs_task_subject).toBe(hs.task);
    expect(hs.task).toMatch(new RegExp(`^Job change: ${hs.name} is now .+ at ${hs.to}$`));
    expect(tasks[0]!.properties.hubspot_owner_id).toBe(contact.hubspot_owner_id);

    const sf = demo.story.salesforce.jobChange;
    const record = demo.salesforce.getRecord(sf.recordId)!;
    expect(record).toMatchObject({ Enrichment_Recent_Job_Change__c: true, Enrichment_Previous_Company__c: sf.from });
    const sfTasks = demo.salesforce.records('Task').filter((t) => t['WhoId'] === sf.recordId);
    expect(sfTasks).toHaveLength(1);
    expect(sfTasks[0]!['Subject']).toBe(sf.task);
    expect(sfTasks[0]!['OwnerId']).toBe(record['OwnerId']);
    // Nobody else moved: one task on each side.
    expect(demo.hubspot.tasks()).toHaveLength(1);
    expect(demo.salesforce.records('Task')).toHaveLength(1);
  });

  it('when its password is used, then the admin page logs in; the demo kept to its own folder', async () => {
    await expect(loginAdmin(demo.url, demo.password)).resolves.toMatch(/^crm_enrich_admin=/);
    expect(demo.services.config.DATABASE_PATH).toBe(join(dir, 'in-process', 'crm-enrich-demo.db'));
    expect(said.at(-1)).toMatch(/job changes: .+ moved; a task was created for each owner/);
  });
});

describe('the demo command', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('when a newcomer runs it, then it prints the admin URL, the password, the job change and its task, and Ctrl-C stops it', async () => {
    const dataDir = join(dir, 'command');
    const c = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--data-dir', dataDir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.stdout!.resume();
    const exit = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
    await waitFor('the demo banner', () => /Ctrl-C stops the demo/.test(stderr) || c.exitCode !== null, { timeoutMs: 180_000 });
    expect(c.exitCode, stderr).toBeNull();
    const url = /admin page: +(http:\/\/127\.0\.0\.1:\d+)\/admin/.exec(stderr)?.[1];
    const password = /admin password: +(\S+)/.exec(stderr)?.[1];
    expect(url, stderr).toBeTruthy();
    expect(stderr).toMatch(/job change: +.+: .+ → Northwind Freight/);
    expect(stderr).toMatch(/task: +Job change: .+ is now .+ at Northwind Freight/);
    expect(stderr).toMatch(/task: +Job change: .+ is now .+ at Bluepeak Analytics/);
    await expect(loginAdmin(url!, password!)).resolves.toMatch(/^crm_enrich_admin=/);
    // The printed curl works as printed: the API answers from the sample dataset.
    const key = /X-API-Key: (gtm_live_[^']+)'/.exec(stderr)?.[1];
    const res = await fetch(`${url}/v1/profile/enrich`, { method: 'POST', headers: { 'x-api-key': key!, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'john.doe@acme.com' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { found: boolean }).found).toBe(true);
    expect(existsSync(join(dataDir, 'crm-enrich-demo.db'))).toBe(true);
    // No key file: a demo pointed at a real data folder must not touch that folder's encryption.key.
    expect(existsSync(join(dataDir, 'encryption.key'))).toBe(false);
    c.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
