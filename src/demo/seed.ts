// The demo's story, told through the product's own paths: the sample dataset imported; a portal and an org with a
// few dozen of its people; a backfill of each (write-back); a new HubSpot contact announced by a signed webhook and
// a new Salesforce Contact by an Outbound Message (enriched within seconds); then one person on each side changes
// jobs, and the job-changes sync flags them and creates a task for their owner.
import { readFileSync } from 'node:fs';
import type { Services } from '../main.js';
import type { HubSpotFake } from '../../fakes/hubspot/index.js';
import { contactCreationEvent, sendWebhook } from '../../fakes/hubspot/index.js';
import type { SalesforceFake } from '../../fakes/salesforce/index.js';
import { importDataset } from '../enrichment/dataset-import.js';
import type { RunCounts, SyncMode } from '../db/sync-runs.repo.js';
import { waitFor } from './steps.js';

const SAMPLE = new URL('../../config/sample-profiles.jsonl', import.meta.url);
/** Contacts seeded in each CRM. */
export const DEMO_CONTACTS_PER_CRM = 30;

interface SampleProfile {
  email: string;
  first_name: string;
  last_name: string;
  title: string;
  company: string;
  [k: string]: unknown;
}

export interface DemoJobChange {
  name: string;
  from: string;
  to: string;
  /** The CRM task created for the contact's owner. */
  task: string;
  recordId: string;
}

export interface DemoCrmStory {
  connectionId: string;
  contacts: number;
  backfill: RunCounts;
  /** The record created after the install and enriched from its webhook / Outbound Message. */
  liveRecord: { id: string; email: string; title: string | null };
  jobChange: DemoJobChange;
}

export interface DemoStory {
  datasetProfiles: number;
  hubspot: DemoCrmStory;
  salesforce: DemoCrmStory;
}

export interface SeedDeps {
  services: Services;
  /** The service's own address (PUBLIC_URL names the same one in the demo). */
  url: string;
  hubspot: HubSpotFake;
  salesforce: SalesforceFake;
  hubspotConnection: string;
  salesforceConnection: string;
  say: (line: string) => void;
}

export async function seedScenario(d: SeedDeps): Promise<DemoStory> {
  const { services: s, hubspot, salesforce, say } = d;
  const text = readFileSync(SAMPLE, 'utf8');
  const profiles = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SampleProfile)
    .filter((p) => typeof p.email === 'string' && p.email && p.last_name);
  const report = importDataset(text, s.repos.dataset, { format: 'jsonl', now: new Date(s.clock.now()), jobChangeWindowDays: s.config.JOB_CHANGE_WINDOW_DAYS });
  say(`imported ${report.imported} sample profiles into the local dataset provider`);

  const n = DEMO_CONTACTS_PER_CRM;
  if (profiles.length < 2 * n + 2) throw new Error(`the sample dataset has ${profiles.length} profiles with an email; the demo needs ${2 * n + 2}`);
  const hsPeople = profiles.slice(0, n);
  const sfPeople = profiles.slice(n, 2 * n);
  const hsOwners = hubspot.owners.map((o) => o.id);
  const hsIds = hsPeople.map((p, i) => hubspot.addContact({ email: p.email, firstname: p.first_name, lastname: p.last_name, hubspot_owner_id: hsOwners[i % hsOwners.length]! }).id);
  const sfIds = sfPeople.map(
    (p, i) => salesforce.addRecord('Contact', { FirstName: p.first_name, LastName: p.last_name, Email: p.email, OwnerId: salesforce.ownerIds[i % salesforce.ownerIds.length] }).Id,
  );
  say(`seeded HubSpot portal ${hubspot.portalId} and Salesforce org ${salesforce.orgId} with ${n} contacts each`);

  const hsBackfill = await runAndWait(s, d.hubspotConnection, 'backfill');
  const sfBackfill = await runAndWait(s, d.salesforceConnection, 'backfill');
  say(`backfills done: HubSpot ${hsBackfill.written} contacts written, Salesforce ${sfBackfill.written}`);

  // Live updates: a contact created now reaches us through the CRM's notification, not a sync.
  const hsNew = profiles[2 * n]!;
  const hsNewId = hubspot.addContact({ email: hsNew.email, firstname: hsNew.first_name, lastname: hsNew.last_name, hubspot_owner_id: hsOwners[0]! }).id;
  const webhookUrl = `${s.config.PUBLIC_URL}/webhooks/hubspot`;
  const res = await sendWebhook(`${d.url}/webhooks/hubspot`, [contactCreationEvent(hubspot.portalId, hsNewId)], { clientSecret: hubspot.clientSecret, signedUrl: webhookUrl });
  if (res.status !== 200) throw new Error(`the HubSpot webhook was refused (HTTP ${res.status})`);
  await waitFor('the webhook contact to be enriched', () => (hubspot.getContact(hsNewId)?.properties.enrichment_recent_job_change ? true : undefined));
  say(`HubSpot webhook: ${hsNew.email} created in the portal and enriched within seconds`);

  const sfNew = profiles[2 * n + 1]!;
  const sfNewId = salesforce.addRecord('Contact', { FirstName: sfNew.first_name, LastName: sfNew.last_name, Email: sfNew.email, OwnerId: salesforce.ownerIds[0] }).Id;
  const conn = s.repos.connections.get(d.salesforceConnection)!;
  const outbound = await salesforce.sendOutboundMessage(s.outboundEndpoints.url(conn)!, 'Contact', [sfNewId], ['Email', 'FirstName', 'LastName']);
  if (outbound.status !== 200) throw new Error(`the Salesforce Outbound Message was refused (HTTP ${outbound.status})`);
  await waitFor('the Outbound Message contact to be enriched', () => (salesforce.getRecord(sfNewId)?.['Enrichment_Recent_Job_Change__c'] !== undefined ? true : undefined));
  say(`Salesforce Outbound Message: ${sfNew.email} created in the org and enriched within seconds`);

  // Job changes: the data provider learns that one person on each side moved company.
  const hsMover = hsPeople[1]!;
  const sfMover = sfPeople[1]!;
  const moves = [moved(hsMover, 'Northwind Freight', 'northwind-freight.example', s.clock.now()), moved(sfMover, 'Bluepeak Analytics', 'bluepeak-analytics.example', s.clock.now())];
  importDataset(moves.map((m) => JSON.stringify(m)).join('\n'), s.repos.dataset, { format: 'jsonl', now: new Date(s.clock.now()), jobChangeWindowDays: s.config.JOB_CHANGE_WINDOW_DAYS });
  // The cache holds the old answers; a real dataset import clears it the same way.
  s.repos.cache.clear();
  const hsChanges = await runAndWait(s, d.hubspotConnection, 'job-changes');
  const sfChanges = await runAndWait(s, d.salesforceConnection, 'job-changes');
  if (hsChanges.changed < 1 || sfChanges.changed < 1) throw new Error('the job-changes syncs found no job change');

  const hsTask = hubspot.tasks().find((t) => t.associations.some((a) => a.toObjectId === hsIds[1]));
  const sfTask = salesforce.records('Task').find((t) => t['WhoId'] === sfIds[1]);
  const story: DemoStory = {
    datasetProfiles: report.imported,
    hubspot: {
      connectionId: d.hubspotConnection,
      contacts: n + 1,
      backfill: hsBackfill,
      liveRecord: { id: hsNewId, email: hsNew.email, title: hubspot.getContact(hsNewId)?.properties.jobtitle ?? null },
      jobChange: { name: `${hsMover.first_name} ${hsMover.last_name}`, from: hsMover.company, to: moves[0]!.company, task: String(hsTask?.properties.hs_task_subject ?? ''), recordId: hsIds[1]! },
    },
    salesforce: {
      connectionId: d.salesforceConnection,
      contacts: n + 1,
      backfill: sfBackfill,
      liveRecord: { id: sfNewId, email: sfNew.email, title: (salesforce.getRecord(sfNewId)?.['Title'] as string | undefined) ?? null },
      jobChange: { name: `${sfMover.first_name} ${sfMover.last_name}`, from: sfMover.company, to: moves[1]!.company, task: String(sfTask?.['Subject'] ?? ''), recordId: sfIds[1]! },
    },
  };
  say(`job changes: ${story.hubspot.jobChange.name} (HubSpot) and ${story.salesforce.jobChange.name} (Salesforce) moved; a task was created for each owner`);
  return story;
}

/** The person's sample profile after a move to `company` this month (the title stays: same job, new employer). */
function moved(p: SampleProfile, company: string, domain: string, now: number): SampleProfile {
  const month = new Date(now).toISOString().slice(0, 7);
  const past = Array.isArray(p.experience) ? (p.experience as Record<string, unknown>[]).map((e) => ({ ...e, is_current: false })) : [];
  return {
    ...p,
    company,
    company_domain: domain,
    headline: `${p.title} at ${company}`,
    experience: [{ company, title: p.title, start_date: month, end_date: '', is_current: true }, ...past],
    recent_job_change: true,
    job_change_date: `${month}-01`,
    previous_company: p.company,
    previous_title: p.title,
  };
}

/** Starts a sync run on the server's worker and waits until it ends; throws unless it succeeded. */
async function runAndWait(s: Services, connectionId: string, mode: SyncMode): Promise<RunCounts> {
  const { run } = s.runService.startRun(connectionId, mode, 'demo');
  const done = await waitFor(`the ${mode} run`, () => {
    const r = s.repos.runs.get(run.id);
    return r && (r.state === 'succeeded' || r.state === 'failed') ? r : undefined;
  });
  if (done.state !== 'succeeded') throw new Error(`the demo's ${mode} run failed: ${done.error ?? 'no reason given'}`);
  return done.counts;
}
