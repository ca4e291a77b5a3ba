// The CrmSession of one connected HubSpot portal: contacts only. Reads are parsed into logical values with the
// portal's property types, writes go out in batches of 100 with per-record outcomes, and job-change tasks are
// created and found again by a marker in their body (docs/hubspot.md §3, §4, §6).
import { z } from 'zod';
import type { Clock } from '../../src/lib/clock.js';
import { NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import type { Logger } from '../../src/lib/logger.js';
import { mapLimit } from '../../src/lib/concurrency.js';
import type {
  ContactRef,
  CreatedSincePage,
  CrmContact,
  CrmSession,
  FieldDef,
  ObjectType,
  Page,
  TaskRequest,
  WriteOutcome,
  WriteRequest,
} from '../types.js';
import { HubSpotRequestError } from './call.js';
import { BATCH_SIZE, SEARCH_BODY_MAX_CHARS, searchBodyChars, type HsObject, type HubSpotApi, type SearchRequest } from './client.js';
import { fromHubSpot, toFieldDef, toHubSpot } from './mappers.js';
import { provisionProperties } from './provision.js';

const DESCRIBE_TTL_MS = 10 * 60_000;
/** Properties every read asks for: they fill CrmContact's own fields. */
const BASE_PROPERTIES = ['email', 'hs_linkedin_url', 'hubspot_owner_id', 'firstname', 'lastname', 'createdate'];
/** Search pages through at most 10,000 results per query (docs/hubspot.md §3.3). */

/** HubSpot has contacts only (leads are a contact property there, not an object we sync). */
export const HUBSPOT_OBJECT_TYPES: readonly ObjectType[] = ['contact'];
export const SEARCH_CEILING = 10_000;
/** Ids kept in a createdSince cursor to skip on a restart; duplicates beyond that are harmless (writes are idempotent). */
const MAX_TIE_IDS = 500;
const ISOLATION_CONCURRENCY = 4;

type Result = { ok: true } | { ok: false; retryable: boolean; code: string; message: string; waitMs?: number; deleted?: boolean };

/**
 * createdSince cursor: the query (`s` = createdate GTE, epoch ms), the search offset `a`, and the createdate `t`
 * of the last record returned with the ids `x` returned at exactly `t`. At the 10,000-result ceiling the query
 * restarts at GTE `t`, skipping `x`.
 */
const SinceCursor = z.object({
  v: z.literal(1),
  s: z.number().nullable(),
  a: z.string().nullable(),
  t: z.number().nullable(),
  x: z.array(z.string()),
});
type SinceCursor = z.infer<typeof SinceCursor>;

const encodeCursor = (c: SinceCursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

function decodeCursor(s: string): SinceCursor {
  try {
    return SinceCursor.parse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
  } catch {
    throw new NonRetryableError('invalid_cursor', 'createdSince cursor is not one this connector issued');
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function assertContact(objectType: ObjectType): void {
  if (objectType !== 'contact') throw new NonRetryableError('unsupported_object_type', `HubSpot has no ${objectType} object here; only contacts`);
}

/** A failed call → the outcome of the records it carried. Reauth is not a record's problem: it stops the caller. */
function failure(e: unknown): Result {
  if (e instanceof ReauthRequiredError) throw e;
  if (e instanceof HubSpotRequestError && e.status === 404) return { ok: false, retryable: false, code: 'OBJECT_NOT_FOUND', message: e.message, deleted: true };
  if (e instanceof NonRetryableError) return { ok: false, retryable: false, code: e.code, message: e.message };
  if (e instanceof RetryAfterError) return { ok: false, retryable: true, code: e.code, message: e.message, waitMs: e.waitMs };
  throw e;
}

function createdMs(o: HsObject): number | null {
  const v = fromHubSpot('datetime', o.properties.createdate) ?? o.createdAt;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : null;
}

export function createSession(p: { api: HubSpotApi; log: Logger; clock: Clock }): CrmSession {
  const { api, log, clock } = p;
  let described: { at: number; defs: Promise<Map<string, FieldDef>> } | undefined;

  function fieldDefs(): Promise<Map<string, FieldDef>> {
    if (described && clock.now() - described.at < DESCRIBE_TTL_MS) return described.defs;
    const defs = api.listProperties().then((props) => new Map(props.map((x) => [x.name, toFieldDef(x)])));
    const entry = { at: clock.now(), defs };
    described = entry;
    // A failed describe must not be served from the cache for ten minutes.
    defs.catch(() => {
      if (described === entry) described = undefined;
    });
    return defs;
  }

  function toContact(o: HsObject, fields: readonly string[], defs: Map<string, FieldDef>): CrmContact {
    const props = o.properties;
    const values: CrmContact['values'] = {};
    for (const f of fields) {
      const def = defs.get(f);
      // A field the portal does not have is left out: "absent = not readable".
      if (def) values[f] = fromHubSpot(def.type, props[f]);
    }
    const name = [props.firstname, props.lastname].filter((x): x is string => Boolean(x?.trim())).join(' ').trim();
    const created = createdMs(o);
    return {
      objectType: 'contact',
      id: o.id,
      email: props.email || null,
      linkedinUrl: props.hs_linkedin_url || null,
      ownerId: props.hubspot_owner_id || null,
      name: name || null,
      firstName: props.firstname?.trim() || null,
      lastName: props.lastname?.trim() || null,
      createdAt: created === null ? null : new Date(created).toISOString(),
      values,
    };
  }

  const propertiesFor = (fields: readonly string[]) => [...new Set([...fields, ...BASE_PROPERTIES])];

  async function writeChunk(entries: [string, Record<string, string>][]): Promise<Map<string, Result>> {
    const out = new Map<string, Result>();
    try {
      const res = await api.batchUpdateContacts(entries.map(([id, properties]) => ({ id, properties })));
      for (const r of res.results) out.set(r.id, { ok: true });
      for (const err of res.errors) {
        const deleted = err.category === 'OBJECT_NOT_FOUND';
        const message = `HubSpot contacts.batch_update: ${err.category ?? 'error'}: ${err.message ?? ''}`.trim();
        for (const id of err.context?.ids ?? []) {
          out.set(id, deleted ? { ok: false, retryable: false, code: 'OBJECT_NOT_FOUND', message, deleted: true } : { ok: false, retryable: false, code: err.category ?? 'error', message });
        }
      }
    } catch (e) {
      // One bad value fails the whole batch (400 VALIDATION_ERROR), an email clash too (409): re-send the records
      // one by one so only the bad ones fail.
      if (e instanceof HubSpotRequestError && (e.status === 400 || e.status === 409) && entries.length > 1) {
        log.info({ records: entries.length, category: e.category }, 'HubSpot rejected a batch; isolating the bad records');
        const single = await mapLimit(entries, ISOLATION_CONCURRENCY, async ([id, properties]): Promise<Result> => {
          try {
            await api.updateContact(id, properties);
            return { ok: true };
          } catch (err) {
            return failure(err);
          }
        });
        entries.forEach(([id], i) => out.set(id, single[i] as Result));
      } else {
        const r = failure(e);
        for (const [id] of entries) out.set(id, r);
      }
    }
    for (const [id] of entries) {
      if (!out.has(id)) out.set(id, { ok: false, retryable: true, code: 'unknown_result', message: 'HubSpot reported nothing for this record' });
    }
    return out;
  }

  /**
   * A search whose body stays under HubSpot's 3,000-character limit whatever the mapping: with many mapped
   * properties the search asks for ids and createdate only, and the page's properties come from a batch read
   * (records deleted in between are left out, as a batch read does).
   */
  async function searchWithin(r: SearchRequest): Promise<Awaited<ReturnType<HubSpotApi['searchContacts']>>> {
    if (searchBodyChars(r) <= SEARCH_BODY_MAX_CHARS) return api.searchContacts(r);
    const slim = await api.searchContacts({ ...r, properties: ['createdate'] });
    if (slim.results.length === 0) return slim;
    const full = await api.batchReadContacts(
      slim.results.map((o) => o.id),
      r.properties,
    );
    const byId = new Map(full.results.map((o) => [o.id, o]));
    return { ...slim, results: slim.results.flatMap((o) => byId.get(o.id) ?? []) };
  }

  return {
    objectTypes: HUBSPOT_OBJECT_TYPES,

    async describe(objectType) {
      assertContact(objectType);
      return [...(await fieldDefs()).values()];
    },

    async provision() {
      const report = await provisionProperties(api, log);
      described = undefined; // the next describe must see what was just created
      return report;
    },

    async read(objectType, ids, fields) {
      assertContact(objectType);
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const defs = await fieldDefs();
      const properties = propertiesFor(fields);
      const found = new Map<string, CrmContact>();
      for (const chunk of chunks(unique, BATCH_SIZE)) {
        // A 207 lists deleted ids under errors[]; they are simply left out.
        const res = await api.batchReadContacts(chunk, properties);
        for (const o of res.results) found.set(o.id, toContact(o, fields, defs));
      }
      return unique.flatMap((id) => {
        const c = found.get(id);
        return c ? [c] : [];
      });
    },

    async findByEmail(objectType, email, fields) {
      assertContact(objectType);
      const defs = await fieldDefs();
      const res = await searchWithin({ filters: [{ propertyName: 'email', operator: 'EQ', value: email }], limit: 10, properties: propertiesFor(fields) });
      return res.results.map((o) => toContact(o, fields, defs));
    },

    async list(objectType, q): Promise<Page> {
      assertContact(objectType);
      const defs = await fieldDefs();
      const res = await api.contactsPage({ limit: BATCH_SIZE, after: q.cursor ?? undefined, properties: propertiesFor(q.fields) });
      return { contacts: res.results.map((o) => toContact(o, q.fields, defs)), next: res.after };
    },

    async createdSince(objectType, q): Promise<CreatedSincePage> {
      assertContact(objectType);
      let c: SinceCursor;
      // Once there is a cursor it carries the query (its `since` may have moved at a ceiling restart).
      if (q.cursor) c = decodeCursor(q.cursor);
      else {
        const since = q.since === null ? null : Date.parse(q.since);
        if (since !== null && !Number.isFinite(since)) throw new NonRetryableError('invalid_since', `not an ISO timestamp: ${q.since}`);
        c = { v: 1, s: since, a: null, t: null, x: [] };
      }
      const defs = await fieldDefs();
      const res = await searchWithin({
        filters: c.s === null ? [] : [{ propertyName: 'createdate', operator: 'GTE', value: String(c.s) }],
        sortAscending: 'createdate',
        limit: BATCH_SIZE,
        after: c.a ?? undefined,
        properties: propertiesFor(q.fields),
      });
      let { t } = c;
      let seen = new Set(c.x);
      let pageMax: number | null = null;
      const contacts: CrmContact[] = [];
      for (const o of res.results) {
        const ms = createdMs(o);
        if (ms !== null && ms === t && seen.has(o.id)) continue; // returned before the query restarted
        contacts.push(toContact(o, q.fields, defs));
        if (ms === null) continue;
        pageMax = Math.max(pageMax ?? ms, ms);
        if (t === null || ms > t) {
          t = ms;
          seen = new Set([o.id]);
        } else if (ms === t && seen.size < MAX_TIE_IDS) seen.add(o.id);
      }
      const highWater = pageMax === null ? null : new Date(pageMax).toISOString();
      let next: SinceCursor | null = null;
      if (res.after !== null) {
        const offset = /^\d+$/.test(res.after) ? Number(res.after) : null;
        if (offset !== null && offset + BATCH_SIZE > SEARCH_CEILING) {
          // The next page would cross the ceiling (HubSpot answers 400): restart from the last createdate seen.
          let s = t ?? c.s;
          if (s !== null && s === c.s) {
            // A whole query's worth of records share one createdate millisecond: restarting there would return
            // the same records again, so step past it rather than loop forever.
            log.warn({ createdate: s }, 'more than 10,000 contacts share one createdate; some may be skipped');
            s += 1;
          }
          if (s === null) log.warn('search results carry no createdate; stopping at the 10,000-result ceiling');
          else next = { v: 1, s, a: null, t, x: [...seen] };
        } else next = { v: 1, s: c.s, a: res.after, t, x: [...seen] };
      }
      return { contacts, next: next ? encodeCursor(next) : null, highWater };
    },

    async write(objectType, requests: WriteRequest[]): Promise<WriteOutcome[]> {
      assertContact(objectType);
      const defs = await fieldDefs();
      const outcomes = new Array<WriteOutcome | undefined>(requests.length);
      // HubSpot refuses a batch that names one id twice: requests for the same contact are merged (later wins).
      const byId = new Map<string, { properties: Record<string, string>; indexes: number[] }>();
      requests.forEach((r, i) => {
        const properties: Record<string, string> = {};
        for (const [name, value] of Object.entries(r.values)) {
          const s = toHubSpot(defs.get(name)?.type, value);
          if (!s.ok) {
            outcomes[i] = { ref: r.ref, ok: false, retryable: false, code: 'INVALID_VALUE', message: `${name}: ${s.reason}` };
            return;
          }
          properties[name] = s.value;
        }
        if (Object.keys(properties).length === 0) {
          outcomes[i] = { ref: r.ref, ok: true };
          return;
        }
        const g = byId.get(r.ref.id);
        if (g) {
          Object.assign(g.properties, properties);
          g.indexes.push(i);
        } else byId.set(r.ref.id, { properties, indexes: [i] });
      });
      for (const chunk of chunks([...byId.entries()], BATCH_SIZE)) {
        const results = await writeChunk(chunk.map(([id, g]) => [id, g.properties]));
        for (const [id, g] of chunk) {
          const r = results.get(id) as Result;
          for (const i of g.indexes) outcomes[i] = { ref: (requests[i] as WriteRequest).ref, ...r };
        }
      }
      return outcomes.map((o, i) => o ?? { ref: (requests[i] as WriteRequest).ref, ok: false, retryable: true, code: 'not_sent', message: 'not sent' });
    },

    async createTask(task: TaskRequest): Promise<string> {
      assertContact(task.ref.objectType);
      const properties: Record<string, string> = {
        hs_timestamp: new Date(task.dueAt).toISOString(),
        hs_task_subject: task.subject,
        hs_task_body: task.body.includes(task.marker) ? task.body : `${task.body}\n\n${task.marker}`,
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_task_type: 'TODO',
      };
      if (task.ownerId) properties.hubspot_owner_id = task.ownerId;
      try {
        return await api.createTask(properties, task.ref.id);
      } catch (e) {
        // An owner who left the portal is no longer a valid option: an unassigned task beats no task.
        if (!(task.ownerId && e instanceof HubSpotRequestError && e.status === 400 && e.message.includes('hubspot_owner_id'))) throw e;
        log.warn({ contact: task.ref.id }, 'task owner rejected by HubSpot; creating the task unassigned');
        delete properties.hubspot_owner_id;
        return api.createTask(properties, task.ref.id);
      }
    },

    async findTask(ref: ContactRef, marker: string): Promise<string | null> {
      assertContact(ref.objectType);
      let ids: string[];
      try {
        ids = await api.contactAssociations(ref.id, 'tasks');
      } catch (e) {
        if (e instanceof HubSpotRequestError && e.status === 404) return null;
        throw e;
      }
      // Newest first: the task we look for was created by a recent, interrupted attempt.
      ids.sort((a, b) => Number(b) - Number(a));
      for (const chunk of chunks(ids, BATCH_SIZE)) {
        const tasks = await api.batchReadTasks(chunk, ['hs_task_body']);
        const hit = tasks.find((t) => (t.properties.hs_task_body ?? '').includes(marker));
        if (hit) return hit.id;
      }
      return null;
    },

    async taskStates(ids) {
      const out: { id: string; completed: boolean }[] = [];
      // A batch read leaves deleted tasks out (207 with OBJECT_NOT_FOUND under errors).
      for (const chunk of chunks([...new Set(ids)], BATCH_SIZE)) {
        for (const t of await api.batchReadTasks(chunk, ['hs_task_status'])) out.push({ id: t.id, completed: t.properties.hs_task_status === 'COMPLETED' });
      }
      return out;
    },

    async deleteTasks(ids) {
      return mapLimit(ids, ISOLATION_CONCURRENCY, async (id) => {
        try {
          await api.archiveTask(id);
          return { id, ok: true };
        } catch (e) {
          if (e instanceof ReauthRequiredError) throw e;
          if (e instanceof HubSpotRequestError && e.status === 404) return { id, ok: true }; // gone already
          return { id, ok: false, message: e instanceof Error ? e.message : String(e) };
        }
      });
    },

    async owners(ids) {
      const wanted = new Set(ids);
      if (wanted.size === 0) return [];
      return (await api.listOwners())
        .filter((o) => wanted.has(o.id))
        .map((o) => ({ id: o.id, name: [o.firstName, o.lastName].filter(Boolean).join(' ') || null, email: o.email }));
    },

    async count(objectType) {
      assertContact(objectType);
      const res = await api.searchContacts({ filters: [], limit: 1, properties: ['createdate'] });
      return res.total;
    },

    apiUsage: () => null,
  };
}
