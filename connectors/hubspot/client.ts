// The only module that calls HubSpot's CRM APIs (contacts, properties, tasks, associations). Every call runs
// through the Caller (token, limiter, timeout, retries) and builds a fresh SDK Client with NO retry and NO
// limiter options. The SDK keeps its decorators in a process-global singleton that each `new Client()` overwrites
// and that an API object picks up when it is first touched (docs/hubspot.md §7.1); constructing the Client and taking
// the leaf API in the same synchronous step means our API objects always get the empty decorator list we just
// set, whatever other Clients exist in the process. Results are copied into plain types: no SDK type leaves here.
import { Client } from '@hubspot/api-client';
import type { Filter, PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { AssociationSpec } from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import type { OptionInput, Property, PropertyCreate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { Caller } from './call.js';
import type { HsProperty } from './mappers.js';
import { BatchError } from './schemas.js';

/** HubSpot's batch limit for every batch endpoint (docs/hubspot.md §3.2). */
export const BATCH_SIZE = 100;
/** HUBSPOT_DEFINED association type task → contact (§6). */
export const TASK_TO_CONTACT = 204;

export interface HsObject {
  id: string;
  properties: Record<string, string | null>;
  /** ISO-8601. */
  createdAt: string | null;
}

export interface HsBatchResult {
  results: HsObject[];
  /** Per-record failures of a 207 Multi-Status (which the SDK resolves instead of throwing, §7.4). */
  errors: BatchError[];
}

export interface PropertySpec {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select' | 'booleancheckbox';
  groupName: string;
  description: string;
  options?: { label: string; value: string; displayOrder: number; hidden: boolean }[];
}

export interface SearchRequest {
  filters: { propertyName: string; operator: 'GTE' | 'GT' | 'LTE' | 'EQ'; value: string }[];
  sortAscending?: string;
  limit: number;
  after?: string | undefined;
  properties: string[];
}

/** HubSpot refuses a search request body longer than this (400). */
export const SEARCH_BODY_MAX_CHARS = 3000;

export function searchBody(r: SearchRequest): PublicObjectSearchRequest {
  return {
    filterGroups: r.filters.length > 0 ? [{ filters: r.filters.map((f) => ({ ...f, operator: f.operator as Filter['operator'] })) }] : [],
    // The API takes {propertyName, direction} (the documented form); the SDK types `sorts` as string[].
    ...(r.sortAscending ? { sorts: [{ propertyName: r.sortAscending, direction: 'ASCENDING' } as unknown as string] } : {}),
    properties: r.properties,
    limit: r.limit,
    ...(r.after !== undefined ? { after: r.after } : {}),
  };
}

/** The length HubSpot counts: the JSON text of the body. */
export function searchBodyChars(r: SearchRequest): number {
  return JSON.stringify(searchBody(r)).length;
}

interface SdkObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt?: Date;
}

function plainObject(o: SdkObject): HsObject {
  const created = o.createdAt instanceof Date && !Number.isNaN(o.createdAt.getTime()) ? o.createdAt.toISOString() : null;
  return { id: String(o.id), properties: { ...o.properties }, createdAt: created };
}

function plainProperty(p: Property): HsProperty {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    groupName: p.groupName,
    options: (p.options ?? []).map((o) => ({ label: o.label, value: o.value, hidden: o.hidden === true, ...(o.displayOrder !== undefined ? { displayOrder: o.displayOrder } : {}) })),
    calculated: p.calculated === true,
    readOnlyValue: p.modificationMetadata?.readOnlyValue === true,
    hidden: p.hidden === true,
    hubspotDefined: p.hubspotDefined === true,
  };
}

function batchErrors(raw: unknown): BatchError[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((e) => {
    const r = BatchError.safeParse(e);
    return r.success ? [r.data] : [];
  });
}

function batchResult(res: { results: SdkObject[]; errors?: unknown }): HsBatchResult {
  return { results: res.results.map(plainObject), errors: batchErrors(res.errors) };
}

export function createHubSpotApi(p: { basePath: string; caller: Caller }) {
  const { caller } = p;
  const sdk = (token: string) => new Client({ accessToken: token, basePath: p.basePath });

  return {
    async listProperties(): Promise<HsProperty[]> {
      const res = await caller.run('properties.list', (t) => sdk(t).crm.properties.coreApi.getAll('contacts'));
      return res.results.map(plainProperty);
    },

    async getProperty(name: string): Promise<HsProperty> {
      return plainProperty(await caller.run('properties.get', (t) => sdk(t).crm.properties.coreApi.getByName('contacts', name)));
    },

    async createProperty(spec: PropertySpec): Promise<HsProperty> {
      const body: PropertyCreate = {
        name: spec.name,
        label: spec.label,
        // The SDK types these as TS enums; our literal unions hold exactly their values.
        type: spec.type as PropertyCreate['type'],
        fieldType: spec.fieldType as PropertyCreate['fieldType'],
        groupName: spec.groupName,
        description: spec.description,
        formField: false,
        ...(spec.options ? { options: spec.options } : {}),
      };
      return plainProperty(await caller.run('properties.create', (t) => sdk(t).crm.properties.coreApi.create('contacts', body)));
    },

    async setPropertyOptions(name: string, options: OptionInput[]): Promise<HsProperty> {
      return plainProperty(await caller.run('properties.update', (t) => sdk(t).crm.properties.coreApi.update('contacts', name, { options })));
    },

    async listGroups(): Promise<string[]> {
      const res = await caller.run('property_groups.list', (t) => sdk(t).crm.properties.groupsApi.getAll('contacts'));
      return res.results.map((g) => g.name);
    },

    async createGroup(name: string, label: string): Promise<void> {
      await caller.run('property_groups.create', (t) => sdk(t).crm.properties.groupsApi.create('contacts', { name, label, displayOrder: -1 }));
    },

    async batchReadContacts(ids: string[], properties: string[]): Promise<HsBatchResult> {
      const res = await caller.run('contacts.batch_read', (t) =>
        sdk(t).crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
      );
      return batchResult(res);
    },

    async contactsPage(p: { limit: number; after: string | undefined; properties: string[] }): Promise<{ results: HsObject[]; after: string | null }> {
      const res = await caller.run('contacts.page', (t) => sdk(t).crm.contacts.basicApi.getPage(p.limit, p.after, p.properties));
      return { results: res.results.map(plainObject), after: res.paging?.next?.after ?? null };
    },

    async searchContacts(r: SearchRequest): Promise<{ total: number; results: HsObject[]; after: string | null }> {
      const body = searchBody(r);
      const res = await caller.run('contacts.search', (t) => sdk(t).crm.contacts.searchApi.doSearch(body), { search: true });
      return { total: res.total, results: res.results.map(plainObject), after: res.paging?.next?.after ?? null };
    },

    async batchUpdateContacts(inputs: { id: string; properties: Record<string, string> }[]): Promise<HsBatchResult> {
      const res = await caller.run('contacts.batch_update', (t) => sdk(t).crm.contacts.batchApi.update({ inputs }));
      return batchResult(res);
    },

    async updateContact(id: string, properties: Record<string, string>): Promise<void> {
      await caller.run('contacts.update', (t) => sdk(t).crm.contacts.basicApi.update(id, { properties }));
    },

    async createTask(properties: Record<string, string>, contactId: string): Promise<string> {
      const types: AssociationSpec[] = [{ associationCategory: 'HUBSPOT_DEFINED' as AssociationSpec['associationCategory'], associationTypeId: TASK_TO_CONTACT }];
      const res = await caller.run('tasks.create', (t) =>
        sdk(t).crm.objects.tasks.basicApi.create({ properties, associations: [{ to: { id: contactId }, types }] }),
      );
      return String(res.id);
    },

    /** Ids of the records of `toType` associated with a contact (v4, every page). */
    async contactAssociations(contactId: string, toType: 'tasks'): Promise<string[]> {
      const ids: string[] = [];
      let after: string | undefined;
      do {
        const cursor = after;
        const res = await caller.run('associations.list', (t) => sdk(t).crm.associations.v4.basicApi.getPage('contacts', contactId, toType, cursor, 500));
        ids.push(...res.results.map((r) => String(r.toObjectId)));
        after = res.paging?.next?.after;
      } while (after);
      return ids;
    },

    /** Every owner of the portal (GET /crm/v3/owners, every page): portals have a few dozen, rarely more. */
    async listOwners(): Promise<{ id: string; email: string | null; firstName: string | null; lastName: string | null }[]> {
      const out: { id: string; email: string | null; firstName: string | null; lastName: string | null }[] = [];
      let after: string | undefined;
      do {
        const cursor = after;
        const res = await caller.run('owners.list', (t) => sdk(t).crm.owners.ownersApi.getPage(undefined, cursor, 500, false));
        for (const o of res.results) out.push({ id: String(o.id), email: o.email ?? null, firstName: o.firstName ?? null, lastName: o.lastName ?? null });
        after = res.paging?.next?.after;
      } while (after);
      return out;
    },

    /** DELETE /crm/v3/objects/tasks/{taskId}: moves the task to the recycling bin (204). */
    async archiveTask(id: string): Promise<void> {
      await caller.run('tasks.archive', (t) => sdk(t).crm.objects.tasks.basicApi.archive(id));
    },

    async batchReadTasks(ids: string[], properties: string[]): Promise<HsObject[]> {
      const res = await caller.run('tasks.batch_read', (t) =>
        sdk(t).crm.objects.tasks.batchApi.read({ inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [] }),
      );
      return res.results.map(plainObject);
    },
  };
}

export type HubSpotApi = ReturnType<typeof createHubSpotApi>;
