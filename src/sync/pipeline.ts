// A batch of contacts of one connection → enrich them in one enrichMany call → decide job changes → plan each
// field under its policy → one batch write → audit, snapshots and job changes in one local transaction → tasks.
// CRM-agnostic: it speaks to the CRM only through the CrmSession port.
import type { Profile } from '../enrichment/contract.js';
import type { Enricher, EnrichOutcome } from '../enrichment/enrich.js';
import type { ContactsRepo, SnapshotRow } from '../db/contacts.repo.js';
import type { ContactRef, CrmContact, CrmKind, CrmSession, FieldDef, ObjectType, WriteOutcome } from '../../connectors/types.js';
import { BudgetExhaustedError, NonRetryableError, RetryAfterError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { planWrites, type ConnectionSettings, type FieldChange, type Plan } from './mapping.js';
import { canonicalEmail, canonicalLinkedInUrl, companyKey } from '../enrichment/normalize.js';
import { decideJobChange } from './job-change.js';
import { guardsOf, type GuardSettings } from './guard-settings.js';
import { mailboxKind, type MailboxReason } from './mailbox-guard.js';
import { compareNames } from './name-guard.js';

export type SyncMode = 'new' | 'backfill' | 'job-changes';

export interface ConnectionContext {
  id: string;
  crm: CrmKind;
  accountId: string;
  monthlyLimit(): number;
  settings: ConnectionSettings;
  session: CrmSession;
  /** The CRM's fields for an object type, cached. */
  fields(objectType: ObjectType): Promise<ReadonlyMap<string, FieldDef>>;
}

export interface PipelineDeps {
  enricher: Enricher;
  contacts: ContactsRepo;
  clock: Clock;
  jobChangeWindowDays: number;
}

export type ContactStatus = 'written' | 'unchanged' | 'skipped' | 'not_found' | 'failed';

export interface ContactResult {
  ref: ContactRef;
  status: ContactStatus;
  reason?: string;
  /** For failed contacts: an error whose type carries the retry intent. */
  error?: unknown;
  credits: number;
  enriched: boolean;
  jobChange: boolean;
}

export interface BatchOptions {
  mode: SyncMode;
  /** The ledger idempotency key of a contact: a retried job or a resumed run charges each contact once. */
  idempotencyKey: (ref: ContactRef) => string;
  jobIds?: ReadonlyMap<string, number>;
  runId?: string | null;
  /**
   * Runs inside the transaction that records the batch (snapshots, audit, job changes), with every contact's
   * result: a caller's own bookkeeping, such as a run's checkpoint and counts, commits with the batch or not at all.
   */
  onCommit?: (results: ContactResult[]) => void;
  /** Told when the batch waits for a provider's rate limit (a run shows it: "PDL rate limit, resumes in 23 s"). */
  onWait?: ((info: { provider: string; resumesAt: number }) => void) | undefined;
  /** The batch's enrichment, already started by startEnrichment (same batch array). */
  started?: StartedEnrichment | undefined;
}

export interface StartedEnrichment {
  batch: CrmContact[];
  skipped: { contact: CrmContact; reason: string }[];
  todo: { contact: CrmContact; snapshot: SnapshotRow | undefined }[];
  outcomes: Promise<EnrichOutcome[]>;
}

/**
 * What the dry run found: skipped by a guard before any lookup, or the lookup's outcome and the plan (null when
 * nothing was found, or when the profile names someone else: then `nameMismatch` says who).
 */
export type PreviewOutcome =
  | { skipped: MailboxReason }
  | { skipped?: undefined; outcome: EnrichOutcome; plan: Plan | null; nameMismatch?: { crm: string | null; profile: string | null } };

/** The fields to read for an object type: every mapped target. */
export function mappedFields(settings: ConnectionSettings, objectType: ObjectType): string[] {
  return [...new Set(settings.mappings.filter((m) => m.objectType === objectType && m.policy !== 'never').map((m) => m.target))];
}

interface Enriched {
  contact: CrmContact;
  snapshot: SnapshotRow | undefined;
  profile: Profile;
  confidence: number;
  provider: string;
  credits: number;
}

export function createPipeline(deps: PipelineDeps) {
  const { contacts: repo, clock } = deps;

  /**
   * Steps 1–2 on their own: who needs enriching, and their enrichment started (not awaited). A run starts the next
   * page's enrichment this way while the current page is written, so provider latency hides behind CRM calls.
   */
  function startEnrichment(conn: ConnectionContext, batch: CrmContact[], opts: Pick<BatchOptions, 'mode' | 'idempotencyKey' | 'onWait'>): StartedEnrichment {
    // 1. Who needs enriching.
    const skipped: StartedEnrichment['skipped'] = [];
    const todo: StartedEnrichment['todo'] = [];
    const guards = guardsOf(conn.settings);
    for (const contact of batch) {
      const snapshot = repo.snapshot(conn.id, contact);
      const reason = skipReason(conn, contact, snapshot, opts.mode, guards);
      if (reason) skipped.push({ contact, reason });
      else todo.push({ contact, snapshot });
    }
    // 2. Enrich the whole batch in one call: the providers see it as bulk requests, paced by their limiters; a
    // throttled provider is waited for, never skipped (a rate limit must not make a contact "not found" or
    // "failed", nor burn a job attempt).
    const outcomes = deps.enricher.enrichMany(
      todo.map(({ contact }) => ({ request: enrichRequest(contact.email, linkedinOf(conn, contact)), idempotencyKey: opts.idempotencyKey(contact) })),
      { accountId: conn.accountId, monthlyLimit: conn.monthlyLimit(), connectionId: conn.id, bypassCache: opts.mode === 'job-changes' },
      { waitForRateLimits: true, onWait: opts.onWait },
    );
    outcomes.catch(() => {}); // awaited by processBatch; a rejection must not go unhandled in between
    return { batch, skipped, todo, outcomes };
  }

  async function processBatch(conn: ConnectionContext, objectType: ObjectType, batch: CrmContact[], opts: BatchOptions): Promise<ContactResult[]> {
    const results = new Map<string, ContactResult>();
    const result = (ref: ContactRef, status: ContactStatus, extra: Partial<ContactResult> = {}) =>
      results.set(ref.id, { ref, status, credits: 0, enriched: false, jobChange: false, ...extra });

    const started = opts.started?.batch === batch ? opts.started : startEnrichment(conn, batch, opts);
    for (const { contact, reason } of started.skipped) result(contact, 'skipped', { reason });
    const { todo } = started;
    const enriched: Enriched[] = [];
    const notFound: { contact: CrmContact; snapshot: SnapshotRow | undefined }[] = [];
    const outcomes = await started.outcomes;
    todo.forEach(({ contact, snapshot }, i) => {
      const outcome = outcomes[i]!;
      const failure = enrichFailure(outcome);
      if (failure) {
        if (failure instanceof NonRetryableError) result(contact, 'skipped', { reason: failure.code });
        else result(contact, 'failed', { error: failure, reason: failure.message });
        return;
      }
      const body = outcome.body as { found: boolean; profile: Profile | null; confidence: number; source_provider?: string; credits_charged: number };
      if (!body.found || !body.profile) {
        notFound.push({ contact, snapshot });
        result(contact, 'not_found', { enriched: true });
        return;
      }
      enriched.push({ contact, snapshot, profile: body.profile, confidence: body.confidence, provider: body.source_provider ?? 'unknown', credits: body.credits_charged });
    });

    // 3. The wrong-person guard: a profile whose name clearly contradicts the record's own is not written.
    const mismatched: Enriched[] = [];
    if (guardsOf(conn.settings).nameGuard) {
      for (let i = enriched.length - 1; i >= 0; i--) {
        if (namesContradict(enriched[i]!)) mismatched.push(...enriched.splice(i, 1));
      }
    }

    // 4. Plan every contact's writes.
    const fields = await conn.fields(objectType);
    const now = clock.now();
    const planned = enriched.map((e) => {
      const { decision, plan } = planContact(conn, e, fields, now);
      return { ...e, decision, changes: plan.changes };
    });

    // 5. One batch write (the session chunks to the CRM's limit).
    const toWrite = planned.filter((p) => p.changes.length > 0);
    const writes = new Map<string, WriteOutcome>();
    if (toWrite.length > 0) {
      const written = await conn.session.write(
        objectType,
        toWrite.map((p) => ({ ref: p.contact, values: Object.fromEntries(p.changes.map((c) => [c.field, c.new])) })),
      );
      written.forEach((o) => writes.set(o.ref.id, o));
    }

    // 6. Remember what happened, atomically: audit rows, values we own, snapshots, job changes (and the caller's
    // bookkeeping through onCommit).
    let final: ContactResult[] = [];
    repo.transaction(() => {
      for (const p of planned) {
        const outcome = writes.get(p.contact.id);
        const base = { credits: p.credits, enriched: true };
        if (outcome && !outcome.ok) {
          if (outcome.deleted) {
            result(p.contact, 'skipped', { ...base, reason: 'deleted' });
            continue;
          }
          if (outcome.retryable) {
            result(p.contact, 'failed', { ...base, reason: outcome.message, error: new RetryAfterError(outcome.code, outcome.message, outcome.waitMs ?? 0) });
            continue;
          }
          record(conn, p.contact, p.changes, opts, 'failed', `${outcome.code}: ${outcome.message}`);
          result(p.contact, 'failed', { ...base, reason: outcome.message, error: new NonRetryableError(outcome.code, outcome.message) });
          continue;
        }
        record(conn, p.contact, p.changes, opts, 'written');
        const change = p.decision.change;
        if (change) {
          repo.addJobChange({
            connection_id: conn.id,
            object_type: objectType,
            contact_id: p.contact.id,
            change_key: `${companyKey(change.previous_company)}→${companyKey(p.profile.company)}`,
            previous_company: change.previous_company,
            previous_title: change.previous_title,
            new_company: p.profile.company,
            new_title: p.profile.title,
            contact_name: p.contact.name ?? p.profile.full_name ?? p.contact.email,
            owner_id: p.contact.ownerId,
            detected_at: now,
            task_state: conn.settings.createTasks ? 'pending' : 'skipped',
            run_id: opts.runId ?? null,
            contact_email: p.contact.email,
          });
        }
        repo.upsertSnapshot({
          connection_id: conn.id,
          object_type: objectType,
          contact_id: p.contact.id,
          email: p.contact.email,
          linkedin_url: p.profile.linkedin_url,
          company: p.profile.company,
          title: p.profile.title,
          seniority: p.profile.seniority,
          provider: p.provider,
          confidence: p.confidence,
          found: 1,
          job_change_flagged_at: p.decision.flaggedAt,
          at: now,
        });
        result(p.contact, p.changes.length > 0 ? 'written' : 'unchanged', { ...base, jobChange: change !== null });
      }
      for (const e of mismatched) {
        // Audited as a write that was not made (old = the record's name, new = the profile's), and charged as
        // enriched: the provider answered. The snapshot keeps what we knew, so the next run does not pay again
        // for the same stranger and job-change detection never compares against them.
        const { crm: crmName, profile: profileName } = mismatchNames(e);
        record(conn, e.contact, [{ field: 'name', source: 'full_name', old: crmName, new: profileName }], opts, 'failed', 'name_mismatch: the profile found names someone else');
        notFound.push({ contact: e.contact, snapshot: e.snapshot });
        result(e.contact, 'skipped', { reason: 'name_mismatch', credits: e.credits, enriched: true });
      }
      for (const { contact, snapshot } of notFound) {
        // Keep what we knew: a provider that forgets a person is not a job change.
        repo.upsertSnapshot({
          connection_id: conn.id,
          object_type: objectType,
          contact_id: contact.id,
          email: contact.email,
          linkedin_url: snapshot?.linkedin_url ?? contact.linkedinUrl,
          company: snapshot?.company ?? null,
          title: snapshot?.title ?? null,
          seniority: snapshot?.seniority ?? null,
          provider: snapshot?.provider ?? null,
          confidence: snapshot?.confidence ?? null,
          found: snapshot?.found ?? 0,
          job_change_flagged_at: snapshot?.job_change_flagged_at ?? null,
          at: now,
        });
      }
      final = batch.map((c) => results.get(c.id) ?? { ref: c, status: 'skipped', reason: 'unprocessed', credits: 0, enriched: false, jobChange: false });
      if (opts.runId) repo.recordRunContacts(opts.runId, final.map((r, i) => ({ ...r, email: batch[i]!.email })), now);
      opts.onCommit?.(final);
    });
    return final;
  }

  /** The job-change decision and the field plan of one enriched contact. */
  function planContact(conn: ConnectionContext, e: Enriched, fields: ReadonlyMap<string, FieldDef>, now: number) {
    const decision = decideJobChange(e.profile, e.snapshot, { now, windowDays: deps.jobChangeWindowDays, clearFlags: conn.settings.clearJobChangeFlags });
    const plan = planWrites({
      objectType: e.contact.objectType,
      profile: e.profile,
      confidence: e.confidence,
      provider: e.provider,
      enrichedAt: new Date(now),
      jobChange: decision.values,
      clearFlag: decision.clear,
      current: e.contact.values,
      ours: repo.writtenValues(conn.id, e.contact),
      fields,
      settings: conn.settings,
    });
    return { decision, plan };
  }

  function record(conn: ConnectionContext, contact: CrmContact, changes: FieldChange[], opts: BatchOptions, status: 'written' | 'failed', error?: string): void {
    if (changes.length === 0) return;
    repo.recordWrites({
      connectionId: conn.id,
      ref: contact,
      email: contact.email,
      changes,
      status,
      ...(error ? { error } : {}),
      jobId: opts.jobIds?.get(contact.id) ?? null,
      runId: opts.runId ?? null,
      at: clock.now(),
    });
  }

  /**
   * The dry run of the admin page: what one contact would get, writing nothing to the CRM or to our memory.
   * It applies the guards a run applies: a role or disposable mailbox is not looked up at all (nothing charged),
   * and a profile naming someone else plans no write. The enrichment itself is a normal one (cache first, charged
   * as usual).
   */
  async function preview(conn: ConnectionContext, contact: CrmContact): Promise<PreviewOutcome> {
    const guards = guardsOf(conn.settings);
    const skipped = guardSkip(conn, contact, guards);
    if (skipped) return { skipped };
    const outcome = await deps.enricher.enrich(
      enrichRequest(contact.email, linkedinOf(conn, contact)),
      { accountId: conn.accountId, monthlyLimit: conn.monthlyLimit(), connectionId: conn.id },
    );
    if (outcome.status !== 200 || !outcome.body.found) return { outcome, plan: null };
    const body = outcome.body;
    const e: Enriched = {
      contact,
      snapshot: repo.snapshot(conn.id, contact),
      profile: body.profile,
      confidence: body.confidence,
      provider: body.source_provider,
      credits: body.credits_charged,
    };
    if (guards.nameGuard && namesContradict(e)) return { outcome, plan: null, nameMismatch: mismatchNames(e) };
    const { plan } = planContact(conn, e, await conn.fields(contact.objectType), clock.now());
    return { outcome, plan };
  }

  return { processBatch, startEnrichment, preview };
}

/**
 * Why a contact is not sent to the providers, or null: the one decision a run and its estimate share (an estimate
 * that counted differently would promise credits the run does not charge).
 */
export function skipReason(conn: ConnectionContext, contact: CrmContact, snapshot: SnapshotRow | undefined, mode: SyncMode, guards: GuardSettings): string | null {
  if (contact.readOnly) return 'read_only_record';
  if (mode !== 'job-changes' && snapshot) return 'already_enriched';
  const linkedin = linkedinOf(conn, contact);
  if (!contact.email && !linkedin) return 'no_email_or_linkedin';
  return guardSkip(conn, contact, guards);
}

/** The guards that skip a contact before any provider call, shared by a run and the dry run. */
function guardSkip(conn: ConnectionContext, contact: CrmContact, guards: GuardSettings): MailboxReason | null {
  // A role or throwaway mailbox is nobody's profile; a LinkedIn URL still names a person, so it is enriched.
  if (linkedinOf(conn, contact)) return null;
  return mailboxKind(contact.email, guards.roleMailboxes);
}

/** The two names a name mismatch is about, as shown in the audit log and the dry run. */
function mismatchNames(e: { contact: CrmContact; profile: Profile }): { crm: string | null; profile: string | null } {
  return {
    crm: [e.contact.firstName, e.contact.lastName].filter(Boolean).join(' ') || e.contact.name,
    profile: [e.profile.first_name, e.profile.last_name].filter(Boolean).join(' ') || e.profile.full_name,
  };
}

/** The record names somebody (first or last name) and the profile clearly names somebody else. */
function namesContradict(e: { contact: CrmContact; profile: Profile }): boolean {
  return compareNames({ first: e.contact.firstName, last: e.contact.lastName }, { first: e.profile.first_name, last: e.profile.last_name }).verdict === 'mismatch';
}

export type Pipeline = ReturnType<typeof createPipeline>;

/**
 * The record's LinkedIn URL: the connector's own field (HubSpot `hs_linkedin_url`, Salesforce
 * `Enrichment_LinkedIn_URL__c`), else the field the connection maps `linkedin_url` to (an org's own LinkedIn field).
 */
function linkedinOf(conn: ConnectionContext, contact: CrmContact): string | null {
  if (contact.linkedinUrl) return contact.linkedinUrl;
  for (const m of conn.settings.mappings) {
    if (m.objectType !== contact.objectType || m.source !== 'linkedin_url' || m.policy === 'never') continue;
    const v = contact.values[m.target];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return null;
}

/**
 * Every identifier the CRM record has: the provider scores a match on all of them, and a person whose email it
 * does not know may still be found by the LinkedIn URL.
 */
function enrichRequest(email: string | null, linkedinUrl: string | null): { email?: string; linkedin_url?: string } {
  const request: { email?: string; linkedin_url?: string } = {};
  // A malformed identifier is left out when the other one is usable (an invalid email must not hide a good
  // LinkedIn URL); with nothing usable the raw values go, and the core answers 400 (skipped, invalid_identifier).
  if (email && canonicalEmail(email)) request.email = email;
  if (linkedinUrl && canonicalLinkedInUrl(linkedinUrl)) request.linkedin_url = linkedinUrl;
  if (request.email || request.linkedin_url) return request;
  if (email) request.email = email;
  if (linkedinUrl) request.linkedin_url = linkedinUrl;
  return request;
}

/** Enrichment outcomes that are not a profile answer, as errors carrying retry intent. */
function enrichFailure(outcome: EnrichOutcome): Error | null {
  switch (outcome.status) {
    case 200:
      return null;
    case 400:
      return new NonRetryableError('invalid_identifier', outcome.body.message);
    case 402:
      // The account's monthly limit: wait (an hour at a time) rather than burn attempts.
      return new BudgetExhaustedError('credit limit reached', 60 * 60_000);
    case 503:
      return new BudgetExhaustedError('profile enrichment not configured', 10 * 60_000);
    default:
      return new RetryAfterError('provider_failed', 'enrichment provider failed', 30_000);
  }
}
