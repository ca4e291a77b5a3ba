// The contact view (/admin/contacts?q=<email | LinkedIn URL | CRM id>) and the dashboard's test enrichment.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { Profile } from '../enrichment/contract.js';
import { canonicalEmail, canonicalLinkedInUrl } from '../enrichment/normalize.js';
import { ConnectionSettings } from '../sync/mapping.js';
import { CONTACT_ENRICH } from '../sync/handlers.js';
import { recordUrl } from '../sync/record-links.js';
import { ownerKey } from '../sync/owners.js';
import { runIdOfKey, type FoundRecord } from '../db/contact-history.repo.js';
import { firstIssue, formBody, type AdminContext } from './context.js';
import { contactView, testEnrichmentView, type ContactRecord, type HeldProfile } from './views/contacts.js';

/** The account test lookups are charged to: real provider calls cost money, so they are in the ledger, apart. */
export const ADMIN_TEST_ACCOUNT = 'admin-test';
const MAX_RECORDS = 10;

export type ContactQuery = { email: string } | { linkedinUrl: string } | { id: string };

/** What a search names: an email, a LinkedIn URL, or a CRM record id (letters and digits). */
export function parseContactQuery(raw: string): ContactQuery | null {
  const q = raw.trim();
  if (q.includes('@')) {
    const email = canonicalEmail(q);
    return email ? { email } : null;
  }
  if (/linkedin\.com/i.test(q)) {
    const url = canonicalLinkedInUrl(q);
    return url ? { linkedinUrl: url } : null;
  }
  return /^[A-Za-z0-9]{1,64}$/.test(q) ? { id: q } : null;
}

const TestForm = z.object({ q: z.string().trim().min(1, 'enter an email or a LinkedIn URL').max(500) });

export function contactRoutes(r: Router, ctx: AdminContext): void {
  const { deps } = ctx;
  const { repos } = deps;

  /** The profile we hold: the cached one (what lookups are answered from) and the imported dataset row. */
  function heldProfiles(email: string | null, linkedin: string | null): HeldProfile[] {
    const out: HeldProfile[] = [];
    const keys = [...(email ? [`email:${email}`] : []), ...(linkedin ? [`linkedin:${linkedin}`] : [])];
    const cached = keys.length ? repos.cache.get(keys, deps.clock.now()) : undefined;
    if (cached) {
      const p = Profile.safeParse(JSON.parse(cached.profileJson));
      if (p.success) out.push({ source: `the cache (${cached.provider})`, profile: p.data, confidence: cached.confidence, at: cached.fetchedAt });
    }
    const d = (email ? repos.dataset.findByEmail(email) : undefined) ?? (linkedin ? repos.dataset.findByLinkedIn(linkedin) : undefined);
    if (d) out.push({ source: 'the imported dataset', profile: d.profile, confidence: d.confidence, at: null });
    return out;
  }

  function policies(connectionId: string): Map<string, string> {
    const row = repos.connections.get(connectionId);
    const parsed = row ? ConnectionSettings.safeParse(JSON.parse(row.settings_json)) : null;
    return new Map(parsed?.success ? parsed.data.mappings.map((m) => [`${m.objectType}:${m.target}`, m.policy]) : []);
  }

  function instanceUrl(connectionId: string): string | null {
    try {
      return repos.connections.tokens(connectionId).instanceUrl ?? null;
    } catch {
      return null;
    }
  }

  function history(s: FoundRecord): ContactRecord {
    const writes = repos.contactHistory.audit(s.connection_id, s.object_type, s.contact_id);
    const charges = repos.contactHistory.charges(s.connection_id, s.object_type, s.contact_id);
    const tasks = repos.jobChanges.forContact(s.connection_id, s.object_type, s.contact_id);
    const runIds = [...writes.map((w) => w.run_id), ...charges.map((c) => runIdOfKey(c.key)), ...tasks.map((t) => t.run_id)].filter((x): x is string => !!x);
    const policy = policies(s.connection_id);
    return {
      snapshot: s,
      crm: s.crm,
      externalId: s.external_id,
      recordUrl: recordUrl(s.crm, { externalId: s.external_id, instanceUrl: s.crm === 'salesforce' ? instanceUrl(s.connection_id) : null, objectType: s.object_type, id: s.contact_id }),
      runs: repos.contactHistory.runs(runIds),
      writes: writes.map((w) => ({ ...w, policy: policy.get(`${w.object_type}:${w.field}`) ?? null })),
      charges,
      tasks: tasks.map((t) => ({ ...t, owner: null })),
    };
  }

  /** The task owners' names and emails from the CRM (cached); an owner it cannot name keeps its id. */
  async function withOwners(records: ContactRecord[]): Promise<ContactRecord[]> {
    if (!deps.owners) return records;
    const owners = await deps.owners.lookup(records.flatMap((r) => r.tasks.map((t) => ({ connectionId: t.connection_id, ownerId: t.owner_id }))));
    return records.map((r) => ({ ...r, tasks: r.tasks.map((t) => ({ ...t, owner: t.owner_id ? (owners.get(ownerKey(t.connection_id, t.owner_id)) ?? null) : null })) }));
  }

  r.get('/contacts', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 500) : '';
    // `job`: the enrichment an admin just queued for this record ("Enrich one contact now"); the page follows it.
    const jobId = typeof req.query.job === 'string' && /^\d{1,15}$/.test(req.query.job) ? Number(req.query.job) : null;
    const row = jobId !== null ? deps.queue.get(jobId) : undefined;
    const payload = (row?.payload ?? {}) as { objectType?: unknown; contactId?: unknown };
    const job =
      row && row.name === CONTACT_ENRICH
        ? { id: row.id, state: row.state, error: row.last_error, record: `${String(payload.objectType ?? 'record')} ${String(payload.contactId ?? '')}`.trim() }
        : null;
    const render = (o: { problem: string | null; profiles: HeldProfile[]; records: ContactRecord[] }, status = 200) =>
      ctx.render(req, res, { title: q ? `Contact ${q}` : 'Contacts', nav: 'contacts', status, body: contactView({ q, job, ...o }) });
    if (!q) return render({ problem: null, profiles: [], records: [] });
    const parsed = parseContactQuery(q);
    if (!parsed) return render({ problem: 'Search by an email address, a LinkedIn profile URL or a CRM record id (letters and digits).', profiles: [], records: [] }, 400);
    const found = repos.contactHistory.find(parsed).slice(0, MAX_RECORDS);
    // The identifiers to look the profile up by: the query's, else the records' own.
    const email = 'email' in parsed ? parsed.email : (found.map((f) => (f.email ? canonicalEmail(f.email) : null)).find(Boolean) ?? null);
    const linkedin = 'linkedinUrl' in parsed ? parsed.linkedinUrl : (found.map((f) => (f.linkedin_url ? canonicalLinkedInUrl(f.linkedin_url) : null)).find(Boolean) ?? null);
    render({ problem: null, profiles: heldProfiles(email, linkedin), records: await withOwners(found.map(history)) });
  });

  const showTest = (req: Request, res: Response, q: string, outcome: Parameters<typeof testEnrichmentView>[0]['outcome'], status = 200) =>
    ctx.render(req, res, { title: 'Test enrichment', nav: 'dashboard', status, body: testEnrichmentView({ csrf: ctx.session(req).csrf, q, outcome }) });

  r.get('/test-enrichment', (req, res) => showTest(req, res, '', null));

  // A real lookup (cache, then the provider waterfall), answered on the page and written to no CRM. It is charged
  // like an API call, to the admin-test account: a provider may bill us for it, and the ledger must say so.
  r.post('/test-enrichment', async (req, res) => {
    const f = TestForm.safeParse(formBody(req));
    if (!f.success) return showTest(req, res, '', { status: 400, found: false, credits: 0, message: firstIssue(f.error), profile: null }, 400);
    const q = f.data.q;
    const request = q.includes('@') ? { email: q } : { linkedin_url: q };
    const account = repos.accounts.ensure(ADMIN_TEST_ACCOUNT);
    const outcome = await deps.enricher.enrich(request, { accountId: account.id, monthlyLimit: account.monthly_credit_limit });
    if (outcome.status !== 200) return showTest(req, res, q, { status: outcome.status, found: false, credits: 0, message: outcome.body.message, profile: null }, outcome.status === 400 ? 400 : 200);
    const b = outcome.body;
    showTest(req, res, q, {
      status: 200,
      found: b.found,
      credits: b.credits_charged,
      message: null,
      profile: b.found && b.profile ? { source: b.source_provider ?? 'the waterfall', profile: b.profile, confidence: b.confidence, at: null } : null,
    });
  });
}
