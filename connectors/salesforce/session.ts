// The CrmSession of one Salesforce org: Contacts and Leads read by id, paged, swept by CreatedDate, written in
// collections of 200, plus tasks for the record owner. Talks to Salesforce only through SfClient.
import type { ContactRef, CreatedSincePage, CrmContact, CrmSession, FieldDef, ObjectType, Page, TaskRequest, WriteOutcome, WriteRequest } from '../types.js';
import { backoffMs, NonRetryableError, RetryAfterError } from '../../src/lib/errors.js';
import { sleep, type Clock } from '../../src/lib/clock.js';
import type { Logger } from '../../src/lib/logger.js';
import type { SfClient } from './client.js';
import { fromSfValue, parseSfDateTime, toFieldDef, toSfValue } from './mappers.js';
import { provisionFields } from './provision.js';
import type { DescribeResult, QueryResult, SfRecord } from './schemas.js';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.js';
import { ident, idents, isSfId, joinSoql, sfId, soql, type Soql } from './soql.js';

const SOBJECT: Record<ObjectType, 'Contact' | 'Lead'> = { contact: 'Contact', lead: 'Lead' };
const DESCRIBE_TTL_MS = 10 * 60_000;
/** One page = one collections write (≤200 records). */
const PAGE_SIZE = 200;
/** Collections retrieve takes 2,000 ids per call; `WHERE Id IN (…)` in a GET URL fits far fewer. */
const RETRIEVE_MAX = 2000;
const WRITE_MAX = 200;
const LOCK_RETRIES = 3;
const FIND_TASK_MAX_PAGES = 10;
const TASK_BODY_MAX = 32_000;
const LINKEDIN_FIELD = 'Enrichment_LinkedIn_URL__c';
const DELETED_CODES = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);


/** Contacts, then Leads: the order a sync walks them. */
export const SALESFORCE_OBJECT_TYPES: readonly ObjectType[] = ['contact', 'lead'];
export interface SessionDeps {
  client: SfClient;
  userId: string | null;
  log: Logger;
  clock: Clock;
}

type FieldIndex = Map<string, FieldDef>; // lower-case name → def (describe names are case-insensitive in SOQL)

export function createSalesforceSession(deps: SessionDeps): CrmSession {
  const { client, log, clock } = deps;
  const cache = new Map<string, { at: number; value: Promise<DescribeResult> }>();

  function describeRaw(sobject: string, fresh = false, background = true): Promise<DescribeResult> {
    const hit = cache.get(sobject);
    if (!fresh && hit && clock.now() - hit.at < DESCRIBE_TTL_MS) return hit.value;
    const value = client.describe(sobject, { background });
    value.catch(() => cache.delete(sobject));
    cache.set(sobject, { at: clock.now(), value });
    return value;
  }

  async function fieldIndex(ot: ObjectType): Promise<FieldIndex> {
    const d = await describeRaw(SOBJECT[ot]);
    return new Map(d.fields.map((f) => [f.name.toLowerCase(), toFieldDef(f)]));
  }

  /** The requested fields describe shows (others dropped: missing FLS would fail the whole query), plus ours. */
  function selectFields(ot: ObjectType, idx: FieldIndex, requested: string[]): string[] {
    const base = ['Id', 'Email', 'OwnerId', 'Name', 'FirstName', 'LastName', 'CreatedDate', LINKEDIN_FIELD, ...(ot === 'lead' ? ['IsConverted'] : [])];
    const out = new Map<string, string>();
    for (const name of [...base, ...requested]) {
      const def = idx.get(name.toLowerCase());
      if (def) out.set(def.name.toLowerCase(), def.name);
    }
    out.set('id', 'Id');
    return [...out.values()];
  }

  function toContact(ot: ObjectType, rec: SfRecord, idx: FieldIndex, requested: string[]): CrmContact | null {
    const id = rec['Id'];
    if (typeof id !== 'string') return null;
    const str = (k: string): string | null => (typeof rec[k] === 'string' ? (rec[k] as string) : null);
    const values: CrmContact['values'] = {};
    for (const name of requested) {
      const def = idx.get(name.toLowerCase());
      if (!def) continue;
      const v = fromSfValue(def.type, rec[def.name]);
      if (v !== undefined) values[name] = v;
    }
    const created = str('CreatedDate');
    const contact: CrmContact = {
      objectType: ot,
      id,
      email: str('Email'),
      linkedinUrl: str(LINKEDIN_FIELD),
      ownerId: str('OwnerId'),
      name: str('Name'),
      firstName: str('FirstName'),
      lastName: str('LastName'),
      createdAt: created ? parseSfDateTime(created) : null,
      values,
    };
    // A converted Lead lives on as a Contact; Salesforce refuses writes to it.
    if (ot === 'lead' && rec['IsConverted'] === true) contact.readOnly = true;
    return contact;
  }

  function filters(ot: ObjectType, extra: Soql[]): Soql {
    const conds = [...(ot === 'lead' ? [soql`IsConverted = false`] : []), ...extra];
    return conds.length > 0 ? soql` WHERE ${joinSoql(conds, ' AND ')}` : soql``;
  }

  /** Follows a stored cursor; a query locator that expired (15 min idle, 10 per user) restarts by keyset. */
  async function resume(cursor: Cursor, restart: () => Promise<QueryResult>): Promise<QueryResult> {
    try {
      return await client.queryMore(cursor.u, { batchSize: PAGE_SIZE });
    } catch (e) {
      if (!(e instanceof RetryAfterError && e.code === 'INVALID_QUERY_LOCATOR')) throw e;
      log.info('Salesforce query locator expired; resuming after the last record seen');
      return restart();
    }
  }

  async function page(ot: ObjectType, res: QueryResult, idx: FieldIndex, fields: string[], key: (r: SfRecord) => Cursor['k']): Promise<Page> {
    const contacts = res.records.map((r) => toContact(ot, r, idx, fields)).filter((c): c is CrmContact => c !== null);
    const last = res.records.at(-1);
    const next = !res.done && res.nextRecordsUrl && last ? encodeCursor({ u: res.nextRecordsUrl, k: key(last) }) : null;
    return { contacts, next };
  }

  async function writeChunk(ot: ObjectType, items: { index: number; ref: ContactRef; record: SfRecord }[], out: WriteOutcome[]): Promise<void> {
    let todo = items;
    for (let attempt = 0; todo.length > 0; attempt++) {
      const results = await client.updateMany(todo.map((t) => t.record));
      const locked: typeof todo = [];
      todo.forEach((t, k) => {
        const r = results[k];
        if (r?.success) {
          out[t.index] = { ref: t.ref, ok: true };
          return;
        }
        const err = r?.errors[0] ?? { statusCode: 'MISSING_RESULT', message: 'Salesforce returned no result for this record', fields: [] };
        if (err.statusCode === 'UNABLE_TO_LOCK_ROW') {
          locked.push(t);
          out[t.index] = { ref: t.ref, ok: false, retryable: true, code: err.statusCode, message: err.message, waitMs: 30_000 };
        } else if (DELETED_CODES.has(err.statusCode) && (err.fields.length === 0 || err.fields.includes('Id'))) {
          // INVALID_CROSS_REFERENCE_KEY on another field is a bad lookup value, not a vanished record.
          out[t.index] = { ref: t.ref, ok: false, retryable: false, code: err.statusCode, message: err.message, deleted: true };
        } else {
          out[t.index] = { ref: t.ref, ok: false, retryable: err.statusCode === 'MISSING_RESULT', code: err.statusCode, message: err.message };
        }
      });
      if (attempt >= LOCK_RETRIES) break;
      todo = locked;
      // Locks are held by a concurrent transaction for milliseconds to seconds; only the locked rows are re-sent.
      if (todo.length > 0) await sleep(backoffMs(attempt + 1, { baseMs: 200, maxMs: 2_000 }));
    }
  }

  async function taskDefaults(): Promise<{ status: string; priority: string }> {
    const d = await describeRaw('Task');
    const pick = (name: string) => d.fields.find((f) => f.name === name)?.picklistValues.filter((p) => p.active) ?? [];
    const status = pick('Status');
    const priority = pick('Priority');
    const dflt = (vals: typeof status) => vals.find((p) => p.defaultValue)?.value;
    return {
      status: dflt(status) ?? status.find((p) => p.value === 'Not Started')?.value ?? status[0]?.value ?? 'Not Started',
      priority: priority.find((p) => p.value === 'High')?.value ?? dflt(priority) ?? priority[0]?.value ?? 'Normal',
    };
  }

  return {
    objectTypes: SALESFORCE_OBJECT_TYPES,

    async describe(ot) {
      return [...(await fieldIndex(ot)).values()];
    },

    async provision() {
      const report = await provisionFields({ client, userId: deps.userId, log, describe: (s) => describeRaw(s, true, false) });
      cache.clear();
      return report;
    },

    async read(ot, ids, fields) {
      if (ids.length === 0) return [];
      const idx = await fieldIndex(ot);
      const select = selectFields(ot, idx, fields);
      const valid = [...new Set(ids.filter(isSfId))];
      if (valid.length < new Set(ids).size) log.warn({ objectType: ot, invalid: ids.length - valid.length }, 'malformed Salesforce ids skipped');
      const out: CrmContact[] = [];
      for (let i = 0; i < valid.length; i += RETRIEVE_MAX) {
        const recs = await client.retrieve(SOBJECT[ot], valid.slice(i, i + RETRIEVE_MAX), select);
        for (const r of recs) {
          const c = r ? toContact(ot, r, idx, fields) : null;
          if (c) out.push(c);
        }
      }
      return out;
    },

    async findByEmail(ot, email, fields) {
      const idx = await fieldIndex(ot);
      const select = idents(selectFields(ot, idx, fields));
      const res = await client.query(soql`SELECT ${select} FROM ${ident(SOBJECT[ot])}${filters(ot, [soql`Email = ${email}`])} ORDER BY Id LIMIT 10`);
      return (await page(ot, res, idx, fields, (r) => ({ id: String(r['Id']) }))).contacts;
    },

    async list(ot, p) {
      const idx = await fieldIndex(ot);
      const select = idents(selectFields(ot, idx, p.fields));
      const from = ident(SOBJECT[ot]);
      const first = (after: string | null) =>
        client.query(soql`SELECT ${select} FROM ${from}${filters(ot, after ? [soql`Id > ${sfId(after)}`] : [])} ORDER BY Id`, { batchSize: PAGE_SIZE });
      const cursor = p.cursor ? decodeCursor(p.cursor) : null;
      const res = cursor ? await resume(cursor, () => first(cursor.k.id)) : await first(null);
      return page(ot, res, idx, p.fields, (r) => ({ id: String(r['Id']) }));
    },

    async createdSince(ot, p): Promise<CreatedSincePage> {
      const idx = await fieldIndex(ot);
      const select = idents(selectFields(ot, idx, p.fields));
      const from = ident(SOBJECT[ot]);
      const since = p.since === null ? null : new Date(p.since);
      if (since && Number.isNaN(since.getTime())) throw new NonRetryableError('invalid_since', `not an ISO timestamp: ${p.since}`);
      const query = (after: Cursor['k'] | null) => {
        const conds: Soql[] = since ? [soql`CreatedDate >= ${since}`] : [];
        if (after?.at) {
          const at = new Date(after.at);
          conds.push(soql`(CreatedDate > ${at} OR (CreatedDate = ${at} AND Id > ${sfId(after.id)}))`);
        }
        return client.query(soql`SELECT ${select} FROM ${from}${filters(ot, conds)} ORDER BY CreatedDate, Id`, { batchSize: PAGE_SIZE });
      };
      const cursor = p.cursor ? decodeCursor(p.cursor) : null;
      const res = cursor ? await resume(cursor, () => query(cursor.k)) : await query(null);
      const pg = await page(ot, res, idx, p.fields, (r) => ({ id: String(r['Id']), at: parseSfDateTime(String(r['CreatedDate'])) ?? undefined }));
      const stamps = pg.contacts.map((c) => c.createdAt).filter((s): s is string => s !== null);
      const highWater = stamps.length > 0 ? stamps.reduce((a, b) => (a > b ? a : b)) : null;
      return { ...pg, highWater };
    },

    async write(ot, requests: WriteRequest[]) {
      if (requests.length === 0) return [];
      const idx = await fieldIndex(ot);
      const out: WriteOutcome[] = new Array<WriteOutcome>(requests.length);
      const pending: { index: number; ref: ContactRef; record: SfRecord }[] = [];
      const dropped = new Set<string>();
      requests.forEach((r, index) => {
        if (!isSfId(r.ref.id)) {
          out[index] = { ref: r.ref, ok: false, retryable: false, code: 'MALFORMED_ID', message: 'not a Salesforce record id' };
          return;
        }
        const record: SfRecord = { attributes: { type: SOBJECT[ot] }, Id: r.ref.id };
        let problem: string | null = null;
        for (const [name, value] of Object.entries(r.values)) {
          const def = idx.get(name.toLowerCase());
          if (!def || !def.updateable) {
            dropped.add(name);
            continue;
          }
          const conv = toSfValue(def, value);
          if (!conv.ok) {
            problem = conv.reason;
            break;
          }
          record[def.name] = conv.value;
        }
        if (problem) out[index] = { ref: r.ref, ok: false, retryable: false, code: 'invalid_value', message: problem };
        else if (Object.keys(record).length === 2) out[index] = { ref: r.ref, ok: true };
        else pending.push({ index, ref: r.ref, record });
      });
      // Dropping keeps the rest of the record writable; the sync layer validated its mapping against describe.
      if (dropped.size > 0) log.warn({ objectType: ot, fields: [...dropped] }, 'Salesforce fields not updateable for the connected user were not sent');
      for (let i = 0; i < pending.length; i += WRITE_MAX) await writeChunk(ot, pending.slice(i, i + WRITE_MAX), out);
      return out;
    },

    async findTask(ref, marker) {
      if (!isSfId(ref.id)) return null;
      // Description is a long text area: SOQL cannot filter on it, so the marker is matched here.
      let res = await client.query(soql`SELECT Id, Description FROM Task WHERE WhoId = ${sfId(ref.id)} ORDER BY CreatedDate DESC`);
      for (let pageNo = 0; pageNo < FIND_TASK_MAX_PAGES; pageNo++) {
        const hit = res.records.find((r) => typeof r['Description'] === 'string' && r['Description'].includes(marker));
        if (hit && typeof hit['Id'] === 'string') return hit['Id'];
        if (res.done || !res.nextRecordsUrl) return null;
        res = await client.queryMore(res.nextRecordsUrl);
      }
      return null;
    },

    async createTask(t: TaskRequest) {
      if (!isSfId(t.ref.id)) throw new NonRetryableError('MALFORMED_ID', 'task target is not a Salesforce record id');
      if (t.ownerId !== null && !isSfId(t.ownerId)) throw new NonRetryableError('MALFORMED_ID', 'task owner is not a Salesforce user id');
      const { status, priority } = await taskDefaults();
      // The marker must survive truncation (Description holds 32,000 characters): findTask depends on it.
      const full = t.body.includes(t.marker) ? t.body : `${t.body}\n\n${t.marker}`;
      const body = full.length <= TASK_BODY_MAX ? full : `${t.body.slice(0, TASK_BODY_MAX - t.marker.length - 2)}\n\n${t.marker}`;
      const record: SfRecord = {
        WhoId: t.ref.id,
        Subject: t.subject.slice(0, 255),
        Description: body,
        Status: status,
        Priority: priority,
        ActivityDate: new Date(t.dueAt).toISOString().slice(0, 10),
      };
      if (t.ownerId) record['OwnerId'] = t.ownerId;
      let res;
      try {
        res = await client.create('Task', record);
      } catch (err) {
        // The record's owner left the company (a deactivated user owns no new tasks): the task goes to the user
        // who connected the org, as the HubSpot path leaves it unassigned, rather than being lost.
        if (!(err instanceof NonRetryableError) || err.code !== 'INACTIVE_OWNER_OR_USER' || !record['OwnerId']) throw err;
        log.warn({ owner: record['OwnerId'] }, 'task owner is inactive; assigning the task to the connecting user');
        if (deps.userId && deps.userId !== record['OwnerId']) record['OwnerId'] = deps.userId;
        else delete record['OwnerId'];
        res = await client.create('Task', record);
      }
      if (!res.success || !res.id) {
        const err = res.errors[0];
        throw new NonRetryableError(err?.statusCode ?? 'task_not_created', err?.message ?? 'Salesforce did not create the task');
      }
      return res.id;
    },

    async taskStates(ids) {
      const valid = [...new Set(ids.filter(isSfId))];
      const out: { id: string; completed: boolean }[] = [];
      for (let i = 0; i < valid.length; i += RETRIEVE_MAX) {
        // Deleted tasks come back as null. IsClosed is true for every closed status an org defines, 'Completed' included.
        for (const r of await client.retrieve('Task', valid.slice(i, i + RETRIEVE_MAX), ['Id', 'Status', 'IsClosed'])) {
          if (r && typeof r['Id'] === 'string') out.push({ id: r['Id'], completed: r['IsClosed'] === true || r['Status'] === 'Completed' });
        }
      }
      return out;
    },

    async deleteTasks(ids) {
      const out: { id: string; ok: boolean; message?: string }[] = [];
      for (let i = 0; i < ids.length; i += WRITE_MAX) {
        const chunk = ids.slice(i, i + WRITE_MAX);
        const results = await client.deleteMany(chunk);
        chunk.forEach((id, k) => {
          const r = results[k];
          const err = r?.errors[0];
          // A task deleted already (ENTITY_IS_DELETED) is what we wanted.
          if (r?.success || (err && DELETED_CODES.has(err.statusCode))) out.push({ id, ok: true });
          else out.push({ id, ok: false, message: err ? `${err.statusCode}: ${err.message}` : 'Salesforce returned no result for this task' });
        });
      }
      return out;
    },

    async owners(ids) {
      const valid = [...new Set(ids.filter(isSfId))];
      const out: { id: string; name: string | null; email: string | null }[] = [];
      // 200 ids keep the GET query URL far below Salesforce's limit.
      for (let i = 0; i < valid.length; i += WRITE_MAX) {
        const chunk = valid.slice(i, i + WRITE_MAX).map(sfId);
        let res = await client.query(soql`SELECT Id, Name, Email FROM User WHERE Id IN ${chunk}`, { background: false });
        for (;;) {
          for (const r of res.records) {
            if (typeof r['Id'] === 'string') out.push({ id: r['Id'], name: typeof r['Name'] === 'string' ? r['Name'] : null, email: typeof r['Email'] === 'string' ? r['Email'] : null });
          }
          if (res.done || !res.nextRecordsUrl) break;
          res = await client.queryMore(res.nextRecordsUrl, { background: false });
        }
      }
      return out;
    },

    async count(ot) {
      const res = await client.query(soql`SELECT COUNT() FROM ${ident(SOBJECT[ot])}${filters(ot, [])}`);
      return res.totalSize;
    },

    apiUsage() {
      return client.apiUsage();
    },
  };
}
