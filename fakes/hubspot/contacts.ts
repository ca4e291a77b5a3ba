// CRM contacts v3: basic + batch endpoints (docs/hubspot.md §3.2). Search lives in search.ts.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { conflict, type HubSpotHttpError, notFound, propertyValuesError, validationError } from './errors.js';
import { baseUrl, boolParam, isoNow, limitParam, listParam, parseBody, stringParam } from './http.js';
import { type FakeContact, type PortalState, readProperties, toApiObject, writtenProperties } from './state.js';
import { type RawValue, validateWrite } from './values.js';

export const PropertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const PropertyMap = z.record(z.string(), PropertyValue);
const Id = z.union([z.string(), z.number()]).transform(String);
export const AssociationInput = z.object({
  to: z.object({ id: Id }),
  types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })),
});

const CreateInput = z.object({ properties: PropertyMap, associations: z.array(AssociationInput).optional() });
const UpdateInput = z.object({ properties: PropertyMap });
const BatchReadInput = z.object({
  inputs: z.array(z.object({ id: Id })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const BatchUpdateInput = z.object({
  inputs: z.array(
    z.object({ id: Id, properties: PropertyMap, idProperty: z.string().optional(), objectWriteTraceId: z.string().optional() }),
  ),
});
const BatchCreateInput = z.object({
  inputs: z.array(
    z.object({ properties: PropertyMap, associations: z.array(AssociationInput).optional(), objectWriteTraceId: z.string().optional() }),
  ),
});
const BatchUpsertInput = z.object({
  inputs: z.array(z.object({ id: Id, idProperty: z.string(), properties: PropertyMap, objectWriteTraceId: z.string().optional() })),
});

export const BATCH_LIMIT = 100;

function checkBatchSize(n: number): void {
  if (n > BATCH_LIMIT) {
    throw validationError(`Batch input size ${n} exceeds the maximum of ${BATCH_LIMIT} inputs per request.`, {
      context: { maxInputs: [String(BATCH_LIMIT)] },
    });
  }
}

/** idProperty must be `email` (contacts' unique identifier) or a custom property with hasUniqueValue. */
function checkIdProperty(state: PortalState, idProperty: string | undefined, verb: string): void {
  if (idProperty === undefined || idProperty === 'email') return;
  const p = state.activeProperty(idProperty);
  if (!p || !p.hasUniqueValue) {
    throw validationError(`Unable to perform ${verb} by non-unique 0-1 property ${idProperty} in portal ID ${state.opts.portalId}`);
  }
}

/** Finds a contact by id or unique property; `archived` selects live vs archived records. */
function lookup(state: PortalState, id: string, idProperty: string | undefined, archived = false): FakeContact | undefined {
  let c: FakeContact | undefined;
  if (idProperty === 'email') {
    if (archived) c = state.contactList.find((x) => x.archived && x.properties.email === id.trim().toLowerCase());
    else c = state.findContactByEmail(id);
  } else if (idProperty !== undefined) {
    c = state.contactList.find((x) => x.archived === archived && x.properties[idProperty] === id);
  } else c = state.contactsById.get(id);
  return c && c.archived === archived ? c : undefined;
}

function objectNotFound(id: string, idProperty: string | undefined): HubSpotHttpError {
  if (idProperty === undefined && !/^\d+$/.test(id)) {
    return notFound('Object not found.  objectId are usually numeric.', { context: { id: [id] } });
  }
  return notFound('resource not found');
}

function existingEmailConflict(state: PortalState, email: string | undefined, selfId?: string): HubSpotHttpError | undefined {
  if (email === undefined || email === '') return undefined;
  const other = state.findContactByEmail(email);
  if (other && other.id !== selfId) return conflict(`Contact already exists. Existing ID: ${other.id}`);
  return undefined;
}

function contactLookupProperty(state: PortalState) {
  return (name: string) => state.activeProperty(name);
}

function missingObjectsError(ids: string[], verb = 'get'): Record<string, unknown> {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not ${verb} some CONTACT objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

function batchBody(results: unknown[], errors: Record<string, unknown>[], startedAt: string): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: isoNow() };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  return body;
}

/** Validates `properties` for a write; throws the whole-request 400 when any value is invalid. */
function validated(state: PortalState, input: Record<string, RawValue>, current?: Record<string, string>): Record<string, string> {
  const { values, errors } = validateWrite(state, contactLookupProperty(state), input, current);
  if (errors.length > 0) throw propertyValuesError(errors);
  return values;
}

export function contactsRouter(state: PortalState): Router {
  const r = express.Router();
  const base = '/crm/v3/objects/contacts';

  r.get(base, (req: Request, res: Response) => {
    const limit = limitParam(req.query.limit, 10, 100);
    const afterRaw = stringParam(req.query.after);
    if (afterRaw !== undefined && !/^\d+$/.test(afterRaw)) throw validationError(`Invalid paging cursor after=${afterRaw}`);
    const archived = boolParam(req.query.archived);
    const requested = listParam(req.query.properties);
    const results: unknown[] = [];
    let i = afterRaw === undefined ? 0 : state.contactIndexFrom(Number(afterRaw));
    let last: FakeContact | undefined;
    let more = false;
    for (; i < state.contactList.length; i++) {
      const c = state.contactList[i];
      if (!c || c.archived !== archived) continue;
      if (results.length === limit) {
        more = true;
        break;
      }
      results.push(toApiObject(c, readProperties(state, c, requested)));
      last = c;
    }
    const body: Record<string, unknown> = { results };
    if (more && last) {
      const after = String(Number(last.id) + 1);
      body.paging = { next: { after, link: `${baseUrl(req)}${base}?limit=${limit}&after=${after}` } };
    }
    res.json(body);
  });

  r.get(`${base}/:contactId`, (req: Request, res: Response) => {
    const id = String(req.params.contactId);
    const idProperty = stringParam(req.query.idProperty);
    checkIdProperty(state, idProperty, 'lookup');
    const c = lookup(state, id, idProperty, boolParam(req.query.archived));
    if (!c) throw objectNotFound(id, idProperty);
    res.json(toApiObject(c, readProperties(state, c, listParam(req.query.properties))));
  });

  r.post(base, (req: Request, res: Response) => {
    const input = parseBody(CreateInput, req.body, 'SimplePublicObjectInputForCreate');
    const values = validated(state, input.properties);
    const dup = existingEmailConflict(state, values.email);
    if (dup) throw dup;
    const c = state.insertContact(values);
    res.status(201).json(toApiObject(c, writtenProperties(state, c)));
  });

  r.patch(`${base}/:contactId`, (req: Request, res: Response) => {
    const id = String(req.params.contactId);
    const idProperty = stringParam(req.query.idProperty);
    checkIdProperty(state, idProperty, 'update');
    const input = parseBody(UpdateInput, req.body, 'SimplePublicObjectInput');
    const c = lookup(state, id, idProperty);
    if (!c) throw objectNotFound(id, idProperty);
    const values = validated(state, input.properties, c.properties);
    const dup = existingEmailConflict(state, values.email, c.id);
    if (dup) throw dup;
    state.applyContactUpdate(c, values);
    res.json(toApiObject(c, writtenProperties(state, c)));
  });

  r.delete(`${base}/:contactId`, (req: Request, res: Response) => {
    const c = state.contactsById.get(String(req.params.contactId));
    if (c) state.archiveContact(c);
    res.status(204).end();
  });

  r.post(`${base}/batch/read`, (req: Request, res: Response) => {
    const startedAt = isoNow();
    const input = parseBody(BatchReadInput, req.body, 'BatchReadInputSimplePublicObjectId');
    checkBatchSize(input.inputs.length);
    checkIdProperty(state, input.idProperty, 'read');
    const archived = boolParam(req.query.archived);
    const results: unknown[] = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const { id } of input.inputs) {
      if (seen.has(id)) continue;
      seen.add(id);
      const c = lookup(state, id, input.idProperty, archived);
      if (c) results.push(toApiObject(c, readProperties(state, c, input.properties)));
      else missing.push(id);
    }
    const errors = missing.length > 0 ? [missingObjectsError(missing)] : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(results, errors, startedAt));
  });

  r.post(`${base}/batch/update`, (req: Request, res: Response) => {
    const startedAt = isoNow();
    const input = parseBody(BatchUpdateInput, req.body, 'BatchInputSimplePublicObjectBatchInput');
    checkBatchSize(input.inputs.length);
    const ids = input.inputs.map((i) => i.id);
    const dups = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
    if (dups.length > 0) {
      throw validationError(`Duplicate IDs found in batch input: [${dups.join(', ')}]. IDs must be unique`, { context: { ids: dups } });
    }
    for (const i of input.inputs) checkIdProperty(state, i.idProperty, 'update/upsert');
    // Property validation covers the whole batch: one bad value rejects every input (400).
    const targets = input.inputs.map((i) => ({ input: i, contact: lookup(state, i.id, i.idProperty) }));
    const allErrors = targets.flatMap((t) => validateWrite(state, contactLookupProperty(state), t.input.properties, t.contact?.properties).errors);
    if (allErrors.length > 0) throw propertyValuesError(allErrors);
    const planned = targets.map((t) => ({ ...t, values: t.contact ? validated(state, t.input.properties, t.contact.properties) : {} }));
    // Email conflicts are checked before anything is written, so a 409 leaves the batch unapplied.
    for (const { contact, values } of planned) {
      const dup = contact ? existingEmailConflict(state, values.email, contact.id) : undefined;
      if (dup) throw dup;
    }
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const { input: i, contact, values } of planned) {
      if (!contact) {
        missing.push(i.id);
        continue;
      }
      state.applyContactUpdate(contact, values);
      const o: Record<string, unknown> = { ...toApiObject(contact, writtenProperties(state, contact)) };
      if (i.objectWriteTraceId !== undefined) o.objectWriteTraceId = i.objectWriteTraceId;
      results.push(o);
    }
    const errors = missing.length > 0 ? [missingObjectsError(missing)] : [];
    res.status(errors.length > 0 ? 207 : 200).json(batchBody(results, errors, startedAt));
  });

  r.post(`${base}/batch/create`, (req: Request, res: Response) => {
    const startedAt = isoNow();
    const input = parseBody(BatchCreateInput, req.body, 'BatchInputSimplePublicObjectBatchInputForCreate');
    checkBatchSize(input.inputs.length);
    const allErrors = input.inputs.flatMap((i) => validateWrite(state, contactLookupProperty(state), i.properties).errors);
    if (allErrors.length > 0) throw propertyValuesError(allErrors);
    const valuesList = input.inputs.map((i) => validated(state, i.properties));
    const emails = new Set<string>();
    for (const v of valuesList) {
      const dup = existingEmailConflict(state, v.email);
      if (dup) throw dup;
      const e = v.email?.toLowerCase();
      if (e) {
        if (emails.has(e)) throw validationError(`Duplicate email ${e} in batch input`);
        emails.add(e);
      }
    }
    const results = valuesList.map((v, idx) => {
      const c = state.insertContact(v);
      const o: Record<string, unknown> = { ...toApiObject(c, writtenProperties(state, c)) };
      const trace = input.inputs[idx]?.objectWriteTraceId;
      if (trace !== undefined) o.objectWriteTraceId = trace;
      return o;
    });
    res.status(201).json(batchBody(results, [], startedAt));
  });

  r.post(`${base}/batch/upsert`, (req: Request, res: Response) => {
    const startedAt = isoNow();
    const input = parseBody(BatchUpsertInput, req.body, 'BatchInputSimplePublicObjectBatchInputUpsert');
    checkBatchSize(input.inputs.length);
    for (const i of input.inputs) checkIdProperty(state, i.idProperty, 'update/upsert');
    const allErrors = input.inputs.flatMap((i) => validateWrite(state, contactLookupProperty(state), i.properties).errors);
    if (allErrors.length > 0) throw propertyValuesError(allErrors);
    const results = input.inputs.map((i) => {
      const existing = lookup(state, i.id, i.idProperty);
      if (existing) {
        state.applyContactUpdate(existing, validated(state, i.properties, existing.properties));
        return { ...toApiObject(existing, writtenProperties(state, existing)), new: false };
      }
      const values = validated(state, { ...i.properties, [i.idProperty]: i.id });
      const c = state.insertContact(values);
      return { ...toApiObject(c, writtenProperties(state, c)), new: true };
    });
    res.json(batchBody(results, [], startedAt));
  });

  return r;
}

