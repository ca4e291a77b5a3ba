// v4 association reads (contact → tasks) and task batch read, which the connector's findTask uses
// (docs/hubspot.md §3.4, §6). Added beside the fake's own routers; same conventions.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { notFound, validationError } from './errors.js';
import { boolParam, isoNow, limitParam, parseBody, stringParam } from './http.js';
import { type FakeTask, type PortalState, toApiObject } from './state.js';
import { TASK_TO_CONTACT } from './tasks.js';

/** HUBSPOT_DEFINED contact → task (the reverse of task → contact 204). */
export const CONTACT_TO_TASK = 203;
const TASK_DEFAULTS = ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];

const Id = z.union([z.string(), z.number()]).transform(String);
const BatchReadInput = z.object({
  inputs: z.array(z.object({ id: Id })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
});

function objectKind(t: string): 'contacts' | 'tasks' | undefined {
  if (t === 'contacts' || t === 'contact' || t === '0-1') return 'contacts';
  if (t === 'tasks' || t === 'task' || t === '0-27') return 'tasks';
  return undefined;
}

function taskProperties(t: FakeTask, requested: string[] | undefined): Record<string, string | null> {
  const names = requested && requested.length > 0 ? [...requested, ...TASK_DEFAULTS] : TASK_DEFAULTS;
  const out: Record<string, string | null> = {};
  for (const n of names) out[n] = t.properties[n] ?? null;
  return out;
}

export function associationsRouter(state: PortalState): Router {
  const r = express.Router();

  r.get('/crm/v4/objects/:objectType/:objectId/associations/:toObjectType', (req: Request, res: Response) => {
    const from = objectKind(String(req.params.objectType));
    const to = objectKind(String(req.params.toObjectType));
    if (!from || !to) throw validationError(`Unable to infer object type from: ${String(req.params.objectType)} / ${String(req.params.toObjectType)}`);
    if (from !== 'contacts' || to !== 'tasks') throw validationError(`The fake only serves contact → task associations, not ${from} → ${to}`);
    const id = String(req.params.objectId);
    const contact = state.contactsById.get(id);
    if (!contact || contact.archived) throw notFound(`No contact with id ${id}`);
    const limit = limitParam(req.query.limit, 500, 500);
    const afterRaw = stringParam(req.query.after);
    if (afterRaw !== undefined && !/^\d+$/.test(afterRaw)) throw validationError(`Invalid paging cursor after=${afterRaw}`);
    const start = afterRaw === undefined ? 0 : Number(afterRaw);
    const all = state.taskList.filter(
      (t) => !t.archived && t.associations.some((a) => a.toObjectId === id && a.associationTypeId === TASK_TO_CONTACT),
    );
    const page = all.slice(start, start + limit);
    const body: Record<string, unknown> = {
      results: page.map((t) => ({
        toObjectId: Number(t.id),
        associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: CONTACT_TO_TASK, label: null }],
      })),
    };
    if (start + limit < all.length) body.paging = { next: { after: String(start + limit) } };
    res.json(body);
  });

  r.post('/crm/v3/objects/tasks/batch/read', (req: Request, res: Response) => {
    const startedAt = isoNow();
    const input = parseBody(BatchReadInput, req.body, 'BatchReadInputSimplePublicObjectId');
    if (input.inputs.length > 100) throw validationError(`Batch input size ${input.inputs.length} exceeds the maximum of 100 inputs per request.`);
    const archived = boolParam(req.query.archived);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const { id } of input.inputs) {
      const t = state.tasksById.get(id);
      if (t && t.archived === archived) results.push(toApiObject(t, taskProperties(t, input.properties)));
      else missing.push(id);
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: isoNow() };
    if (missing.length > 0) {
      body.numErrors = 1;
      body.errors = [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: 'Could not get some TASK objects, they may be deleted or not exist. Check that ids are valid.',
          context: { ids: missing },
        },
      ];
    }
    res.status(missing.length > 0 ? 207 : 200).json(body);
  });

  return r;
}
