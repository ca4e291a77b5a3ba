// Tasks (docs/hubspot.md §6) and owners: POST/GET /crm/v3/objects/tasks, GET /crm/v3/owners.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { errorBody, HubSpotHttpError, notFound, propertyValidation, propertyValuesError, validationError } from './errors.js';
import { AssociationInput, PropertyMap } from './contacts.js';
import { baseUrl, boolParam, limitParam, listParam, parseBody, stringParam } from './http.js';
import { type FakeAssociation, type FakeProperty, type FakeTask, type PortalState, standardProperty, toApiObject } from './state.js';
import { validateWrite } from './values.js';

/** HUBSPOT_DEFINED association type task → contact. */
export const TASK_TO_CONTACT = 204;
const CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'];
const TASK_DEFAULTS = ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];

function enumOptions(values: string[]) {
  return values.map((value, displayOrder) => ({ label: value, value, displayOrder, hidden: false }));
}

function taskProperties(): Map<string, FakeProperty> {
  const g = 'task';
  const ro = { modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true } };
  const list: FakeProperty[] = [
    standardProperty('hs_timestamp', 'Due date', 'datetime', 'date', g),
    standardProperty('hs_task_subject', 'Task Title', 'string', 'text', g),
    standardProperty('hs_task_body', 'Notes', 'string', 'html', g),
    standardProperty('hs_task_status', 'Task Status', 'enumeration', 'select', g, {
      options: enumOptions(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']),
    }),
    standardProperty('hs_task_priority', 'Priority', 'enumeration', 'select', g, { options: enumOptions(['NONE', 'LOW', 'MEDIUM', 'HIGH']) }),
    standardProperty('hs_task_type', 'Task Type', 'enumeration', 'select', g, {
      options: enumOptions(['TODO', 'CALL', 'EMAIL', 'LINKED_IN', 'MEETING', 'LINKED_IN_CONNECT', 'LINKED_IN_MESSAGE']),
    }),
    standardProperty('hubspot_owner_id', 'Assigned to', 'enumeration', 'select', g, { externalOptions: true }),
    standardProperty('hs_task_reminders', 'Reminder', 'string', 'text', g),
    standardProperty('hs_createdate', 'Create date', 'datetime', 'date', g, ro),
    standardProperty('hs_lastmodifieddate', 'Last modified date', 'datetime', 'date', g, ro),
    standardProperty('hs_object_id', 'Record ID', 'number', 'number', g, { ...ro, calculated: true }),
  ];
  return new Map(list.map((p) => [p.name, p]));
}

/**
 * hs_task_body is a rich-text (html) property: HubSpot keeps and returns the notes as HTML, so a plain-text body
 * comes back as paragraphs with its special characters escaped. A body that is HTML already is kept as sent.
 */
export function richText(body: string): string {
  if (/^\s*<(p|div|span|br|ul|ol|strong|em)\b/i.test(body)) return body;
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return body
    .split(/\r?\n\s*\r?\n/)
    .map((para) => `<p>${para.split(/\r?\n/).map(escape).join('<br>')}</p>`)
    .join('');
}

const TaskCreate = z.object({ properties: PropertyMap, associations: z.array(AssociationInput).optional() });

function taskOut(t: FakeTask, requested: string[] | undefined, associations: string[] | undefined): Record<string, unknown> {
  let props: Record<string, string | null>;
  if (requested && requested.length > 0) {
    props = {};
    for (const n of [...requested, ...TASK_DEFAULTS]) props[n] = t.properties[n] ?? null;
  } else {
    props = {};
    for (const n of TASK_DEFAULTS) props[n] = t.properties[n] ?? null;
  }
  const o: Record<string, unknown> = { ...toApiObject(t, props) };
  if (associations?.includes('contacts') || associations?.includes('contact')) {
    const results = t.associations.map((a) => ({ id: a.toObjectId, type: 'task_to_contact' }));
    if (results.length > 0) o.associations = { contacts: { results } };
  }
  return o;
}

export function tasksRouter(state: PortalState): Router {
  const r = express.Router();
  const defs = taskProperties();
  const base = '/crm/v3/objects/tasks';

  r.post(base, (req: Request, res: Response) => {
    const input = parseBody(TaskCreate, req.body, 'SimplePublicObjectInputForCreate');
    const { values, errors } = validateWrite(state, (n) => defs.get(n), input.properties);
    // hubspot_owner_id options are the portal's owners, so an unknown owner fails as INVALID_OPTION.
    if (values.hs_timestamp === undefined || values.hs_timestamp === '') {
      errors.push(propertyValidation(state.opts.portalId, 'hs_timestamp', 'REQUIRED_PROPERTY', 'hs_timestamp is required'));
    }
    if (errors.length > 0) throw propertyValuesError(errors);

    const associations: FakeAssociation[] = [];
    for (const a of input.associations ?? []) {
      if (a.types.length === 0) throw validationError(`Association to ${a.to.id} has no association types.`);
      for (const t of a.types) {
        if (!CATEGORIES.includes(t.associationCategory)) {
          throw validationError(
            `Invalid input JSON on line 1, column 1: Cannot deserialize value of type AssociationCategory from String "${t.associationCategory}"`,
          );
        }
        if (t.associationCategory === 'HUBSPOT_DEFINED' && t.associationTypeId !== TASK_TO_CONTACT) {
          throw validationError(
            `${t.associationTypeId} is not a valid association type id between task and contact (HUBSPOT_DEFINED task_to_contact is ${TASK_TO_CONTACT}).`,
          );
        }
        if (t.associationCategory !== 'HUBSPOT_DEFINED') {
          throw validationError(`No ${t.associationCategory} association type ${t.associationTypeId} exists from task to contact.`);
        }
      }
      const contact = state.contactsById.get(a.to.id);
      if (!contact || contact.archived) {
        throw new HubSpotHttpError(
          400,
          errorBody('VALIDATION_ERROR', 'One or more associations are invalid', {
            context: { toObjectId: [a.to.id] },
            errors: [{ message: `No CONTACT with id ${a.to.id} exists`, code: 'INVALID_ASSOCIATION' }],
          }),
        );
      }
      for (const t of a.types) {
        associations.push({
          toObjectType: 'contacts',
          toObjectId: a.to.id,
          associationCategory: t.associationCategory,
          associationTypeId: t.associationTypeId,
        });
      }
    }

    const now = state.now();
    const id = state.allocateTaskId();
    const task: FakeTask = { id, properties: {}, associations, createdAt: now, updatedAt: now, archived: false };
    for (const [k, v] of Object.entries(values)) if (v !== '') task.properties[k] = k === 'hs_task_body' ? richText(v) : v;
    task.properties.hs_createdate = now.toISOString();
    task.properties.hs_lastmodifieddate = now.toISOString();
    task.properties.hs_object_id = id;
    state.tasksById.set(id, task);
    state.taskList.push(task);
    res.status(201).json(toApiObject(task, { ...task.properties }));
  });

  r.get(base, (req: Request, res: Response) => {
    const limit = limitParam(req.query.limit, 10, 100);
    const afterRaw = stringParam(req.query.after);
    if (afterRaw !== undefined && !/^\d+$/.test(afterRaw)) throw validationError(`Invalid paging cursor after=${afterRaw}`);
    const after = afterRaw === undefined ? 0 : Number(afterRaw);
    const archived = boolParam(req.query.archived);
    const all = state.taskList.filter((t) => t.archived === archived && Number(t.id) >= after);
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((t) => taskOut(t, listParam(req.query.properties), listParam(req.query.associations))),
    };
    const last = page[page.length - 1];
    if (all.length > limit && last) {
      const next = String(Number(last.id) + 1);
      body.paging = { next: { after: next, link: `${baseUrl(req)}${base}?limit=${limit}&after=${next}` } };
    }
    res.json(body);
  });

  r.get(`${base}/:taskId`, (req: Request, res: Response) => {
    const t = state.tasksById.get(String(req.params.taskId));
    if (!t || t.archived !== boolParam(req.query.archived)) throw notFound('resource not found');
    res.json(taskOut(t, listParam(req.query.properties), listParam(req.query.associations)));
  });

  // Archive: the task moves to the recycling bin and reads leave it out. HubSpot answers 204 with no body, also for
  // an id that is archived already or does not exist.
  r.delete(`${base}/:taskId`, (req: Request, res: Response) => {
    const t = state.tasksById.get(String(req.params.taskId));
    if (t && !t.archived) {
      t.archived = true;
      t.updatedAt = state.now();
    }
    res.status(204).end();
  });

  // ---- owners ----
  const ownerOut = (o: PortalState['owners'][number]) => ({
    id: o.id,
    email: o.email,
    type: 'PERSON',
    firstName: o.firstName,
    lastName: o.lastName,
    userId: o.userId ?? Number(o.id),
    userIdIncludingInactive: o.userId ?? Number(o.id),
    createdAt: '2020-01-01T00:00:00.000Z',
    updatedAt: '2020-01-01T00:00:00.000Z',
    archived: false,
    teams: [],
  });
  r.get('/crm/v3/owners', (req: Request, res: Response) => {
    const limit = limitParam(req.query.limit, 100, 500);
    const afterRaw = stringParam(req.query.after);
    if (afterRaw !== undefined && !/^\d+$/.test(afterRaw)) throw validationError(`Invalid paging cursor after=${afterRaw}`);
    const email = stringParam(req.query.email)?.toLowerCase();
    const all = state.owners.filter((o) => email === undefined || o.email.toLowerCase() === email);
    const start = afterRaw === undefined ? 0 : Number(afterRaw);
    const page = all.slice(start, start + limit);
    const body: Record<string, unknown> = { results: page.map(ownerOut) };
    if (start + limit < all.length) {
      const next = String(start + limit);
      body.paging = { next: { after: next, link: `${baseUrl(req)}/crm/v3/owners?limit=${limit}&after=${next}` } };
    }
    res.json(body);
  });
  r.get('/crm/v3/owners/:ownerId', (req: Request, res: Response) => {
    const o = state.owners.find((x) => x.id === String(req.params.ownerId));
    if (!o) throw notFound('resource not found');
    res.json(ownerOut(o));
  });

  return r;
}
