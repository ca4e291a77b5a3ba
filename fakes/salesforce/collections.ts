// sObject Collections: POST (create), PATCH (update), DELETE (destroy) /composite/sobjects and
// POST|GET /composite/sobjects/{type} (retrieve).
import {
  applyCreate,
  applyUpdate,
  injectedError,
  nowStamp,
  parseInput,
  resolveRecordId,
  saveError,
  validateCreate,
  validateUpdate,
  type CreatePlan,
  type ParsedInput,
  type UpdatePlan,
} from './dml.js';
import { json, type Ctx, type HttpResult } from './http.js';
import { SoqlError } from './soql.js';
import type { OrgState } from './state.js';
import { RestError, type ObjectDef, type SaveError } from './types.js';
import { isIdFormat, isPlainObject } from './util.js';

const MAX_DML = 200;
const MAX_RETRIEVE = 2000;

export interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
}

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function tooMany(max: number): RestError {
  return new RestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${max} records into this call`);
}

function readBody(ctx: Ctx): { allOrNone: boolean; records: Record<string, unknown>[] } {
  let body: unknown;
  try {
    body = JSON.parse(ctx.body || 'null');
  } catch (e) {
    throw new RestError(400, 'JSON_PARSER_ERROR', `${(e as Error).message} at [line:1, column:1]`);
  }
  if (!isPlainObject(body)) throw new RestError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of SObjectCollection from non-object value at [line:1, column:1]');
  const allOrNone = body['allOrNone'];
  if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
    throw new RestError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of boolean from ${typeof allOrNone} value ${String(allOrNone)} at [line:1, column:1]`);
  }
  const records = body['records'];
  if (!Array.isArray(records) || records.some((r) => !isPlainObject(r))) {
    throw new RestError(400, 'INVALID_FIELD', 'records: expected a list of sObjects');
  }
  return { allOrNone: allOrNone === true, records: records as Record<string, unknown>[] };
}

function recordType(state: OrgState, rec: Record<string, unknown>): ObjectDef {
  const attrs = rec['attributes'];
  const type = isPlainObject(attrs) ? attrs['type'] : undefined;
  if (typeof type !== 'string' || type === '') throw new RestError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  const o = state.object(type);
  if (!o) throw new RestError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
  return o;
}

/** the whole-request phase: every record's type, field names and value types */
function parseAll(state: OrgState, records: Record<string, unknown>[], userId: string): ParsedInput[] {
  return records.map((r) => parseInput(state, recordType(state, r), r, userId));
}

type Outcome<P> = { ok: true; plan: P } | { ok: false; errors: SaveError[] };

function finish<P>(
  outcomes: Outcome<P>[],
  allOrNone: boolean,
  apply: (plan: P) => string,
): SaveResult[] {
  const anyFailed = outcomes.some((o) => !o.ok);
  if (allOrNone && anyFailed) {
    return outcomes.map((o) => (o.ok ? { success: false, errors: [ROLLED_BACK] } : { success: false, errors: o.errors }));
  }
  return outcomes.map((o) => (o.ok ? { id: apply(o.plan), success: true, errors: [] } : { success: false, errors: o.errors }));
}

export function createMany(state: OrgState, ctx: Ctx, userId: string): HttpResult {
  const { allOrNone, records } = readBody(ctx);
  if (records.length > MAX_DML) throw tooMany(MAX_DML);
  const parsed = parseAll(state, records, userId);
  const pending = new Set<string>();
  const outcomes: Outcome<CreatePlan>[] = parsed.map((p) => validateCreate(state, p, pending));
  const stamp = nowStamp(state);
  return json(200, finish(outcomes, allOrNone, (plan) => applyCreate(state, plan, stamp, userId).Id));
}

export function updateMany(state: OrgState, ctx: Ctx, userId: string): HttpResult {
  const { allOrNone, records } = readBody(ctx);
  if (records.length > MAX_DML) throw tooMany(MAX_DML);
  const parsed = parseAll(state, records, userId);
  const outcomes: Outcome<UpdatePlan>[] = parsed.map((p) => validateUpdate(state, p));
  const stamp = nowStamp(state);
  return json(200, finish(outcomes, allOrNone, (plan) => applyUpdate(state, plan, stamp, userId).Id));
}

export function deleteMany(state: OrgState, ctx: Ctx, userId: string): HttpResult {
  const idsParam = ctx.url.searchParams.get('ids');
  if (!idsParam) throw new RestError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
  const ids = idsParam.split(',').map((s) => s.trim());
  if (ids.length > MAX_DML) throw tooMany(MAX_DML);
  const allOrNone = ctx.url.searchParams.get('allOrNone') === 'true';
  const outcomes: Outcome<string>[] = ids.map((id) => {
    const res = resolveRecordId(state, undefined, id);
    if (!res.ok) return { ok: false, errors: [res.error.statusCode === 'MISSING_ARGUMENT' ? saveError('MALFORMED_ID', `malformed id ${id}`) : res.error] };
    if (!res.object.deletable) return { ok: false, errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${res.object.name}`)] };
    const inj = injectedError(state, res.record.Id);
    if (inj) return { ok: false, errors: [inj] };
    return { ok: true, plan: res.record.Id };
  });
  const stamp = nowStamp(state);
  const results = finish(outcomes, allOrNone, (id) => {
    state.softDelete(id, { stamp, byUserId: userId });
    return id;
  });
  return json(200, results);
}

/** POST /composite/sobjects/{type} {ids, fields} and GET ...?ids=&fields= */
export function retrieveMany(state: OrgState, ctx: Ctx, userId: string, typeName: string, version: string): HttpResult {
  const object = state.object(typeName);
  if (!object) throw new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
  let ids: unknown;
  let fields: unknown;
  if (ctx.method === 'GET') {
    ids = ctx.url.searchParams.get('ids')?.split(',');
    fields = ctx.url.searchParams.get('fields')?.split(',');
  } else {
    let body: unknown;
    try {
      body = JSON.parse(ctx.body || 'null');
    } catch (e) {
      throw new RestError(400, 'JSON_PARSER_ERROR', `${(e as Error).message} at [line:1, column:1]`);
    }
    if (!isPlainObject(body)) throw new RestError(400, 'JSON_PARSER_ERROR', 'request body must be an object');
    ids = body['ids'];
    fields = body['fields'];
  }
  if (!Array.isArray(ids) || ids.some((i) => typeof i !== 'string')) throw new RestError(400, 'MISSING_ARGUMENT', 'ids: required list of record ids');
  if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string')) {
    throw new RestError(400, 'MISSING_ARGUMENT', 'fields: required list of field names');
  }
  if (ids.length > MAX_RETRIEVE) throw tooMany(MAX_RETRIEVE);
  const access = state.fieldAccess(object.name, userId);
  const defs = (fields as string[]).map((f) => {
    const a = access.get(f.trim().toLowerCase());
    if (!a) {
      throw new SoqlError(
        'INVALID_FIELD',
        `No such column '${f}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return a.def;
  });
  const out = (ids as string[]).map((id) => {
    if (!isIdFormat(id)) throw new RestError(400, 'MALFORMED_ID', `malformed id ${id}`);
    const rec = state.get(id);
    if (!rec || rec['IsDeleted'] === true || !rec.Id.startsWith(object.keyPrefix)) return null;
    const r: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${rec.Id}` } };
    for (const d of defs) r[d.name] = d.type === 'id' ? rec.Id : (rec[d.name] ?? null);
    return r;
  });
  return json(200, out);
}
