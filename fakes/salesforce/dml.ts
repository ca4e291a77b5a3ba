// Record-level DML rules shared by single-record REST calls and sObject Collections:
// JSON deserialisation (whole-request errors) then per-record validation (SaveError list).
import type { FieldAccess } from './describe.js';
import type { OrgState } from './state.js';
import { RestError, type FakeRecord, type FieldDef, type ObjectDef, type SaveError, type SfValue } from './types.js';
import { formatDateTime, idKey, isIdFormat, isPlainObject, isValidDate, parseDateTime, to18 } from './util.js';

export interface ParsedInput {
  object: ObjectDef;
  access: Map<string, FieldAccess>;
  /** canonical field name → deserialised value */
  values: Map<string, { access: FieldAccess; value: SfValue }>;
  /** the `Id`/`id` key, when present */
  id: unknown;
  hasId: boolean;
}

function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (typeof v === 'number') return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}

function deserializeError(typeName: string, v: unknown): RestError {
  const shown = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return new RestError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${typeName} from ${jsonKind(v)} value ${shown} or request may be missing a required field at [line:1, column:1]`,
  );
}

/** JSON value → stored value, as Salesforce's strict JSON deserialiser does. */
export function deserializeValue(def: FieldDef, v: unknown): SfValue {
  if (v === null) return null;
  switch (def.type) {
    case 'boolean':
      if (typeof v !== 'boolean') throw deserializeError('boolean', v);
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw deserializeError('int', v);
      return v;
    case 'double':
    case 'currency':
    case 'percent':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw deserializeError('double', v);
      return v;
    case 'date':
      if (typeof v !== 'string' || !isValidDate(v)) throw deserializeError('date', v);
      return v;
    case 'datetime': {
      const parsed = typeof v === 'string' ? parseDateTime(v) : null;
      if (parsed === null) throw deserializeError('datetime', v);
      return parsed;
    }
    default:
      if (typeof v === 'string') return v === '' ? null : v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw deserializeError('string', v);
  }
}

export function noSuchColumn(field: string, object: string): RestError {
  return new RestError(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${object}`);
}

/** Whole-request phase: field names must exist and be visible (FLS), values must deserialise. */
export function parseInput(state: OrgState, object: ObjectDef, input: Record<string, unknown>, userId: string): ParsedInput {
  const access = state.fieldAccess(object.name, userId);
  const values = new Map<string, { access: FieldAccess; value: SfValue }>();
  let id: unknown;
  let hasId = false;
  for (const [k, v] of Object.entries(input)) {
    if (k === 'attributes') continue;
    if (k.toLowerCase() === 'id') {
      id = v;
      hasId = true;
      continue;
    }
    const a = access.get(k.toLowerCase());
    if (!a) throw noSuchColumn(k, object.name);
    if (isPlainObject(v) || Array.isArray(v)) {
      // nested relationship objects ("Account": {...}) are not supported for writes here
      throw deserializeError(a.def.type === 'boolean' ? 'boolean' : 'string', v);
    }
    values.set(a.def.name, { access: a, value: deserializeValue(a.def, v) });
  }
  return { object, access, values, id, hasId };
}

export function saveError(statusCode: string, message: string, fields: string[] = []): SaveError {
  return { statusCode, message, fields };
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function numberTooBig(def: FieldDef, n: number): boolean {
  if (def.type === 'int') return Math.abs(n) >= 10 ** (def.digits || 9);
  if (def.precision <= 0) return false;
  const intDigits = def.precision - def.scale;
  return Math.abs(n) >= 10 ** intDigits;
}

/** Per-record value checks (length, email, restricted picklist, numeric range, references). */
function validateValue(state: OrgState, def: FieldDef, value: SfValue, errors: SaveError[]): SfValue {
  if (value === null) return null;
  switch (def.type) {
    case 'string':
    case 'textarea':
    case 'phone':
    case 'url':
    case 'combobox':
    case 'email':
    case 'picklist': {
      const s = String(value);
      if (s.length > def.length) {
        errors.push(saveError('STRING_TOO_LONG', `${def.label}: data value too large: ${s} (max length=${def.length})`, [def.name]));
        return value;
      }
      if (def.type === 'email' && !EMAIL_RE.test(s)) {
        errors.push(saveError('INVALID_EMAIL_ADDRESS', `${def.label}: invalid email address: ${s}`, [def.name]));
      }
      if (def.type === 'picklist' && def.restrictedPicklist && !def.picklistValues.some((p) => p.active && p.value === s)) {
        errors.push(saveError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${def.label}: bad value for restricted picklist field: ${s}`, [def.name]));
      }
      return s;
    }
    case 'double':
    case 'currency':
    case 'percent':
    case 'int': {
      const n = Number(value);
      if (numberTooBig(def, n)) {
        errors.push(saveError('NUMBER_OUTSIDE_VALID_RANGE', `${def.label}: value outside of valid range on numeric field: ${n}`, [def.name]));
        return value;
      }
      if (def.type !== 'int' && def.precision > 0) {
        const f = 10 ** def.scale;
        return Math.round(n * f) / f;
      }
      return n;
    }
    case 'reference': {
      const s = String(value);
      const targets = def.referenceTo.map((t) => state.object(t)).filter((o): o is ObjectDef => o !== undefined);
      if (!isIdFormat(s) || !targets.some((o) => o.keyPrefix === s.slice(0, 3))) {
        errors.push(saveError(isIdFormat(s) ? 'FIELD_INTEGRITY_EXCEPTION' : 'MALFORMED_ID', `${def.label}: id value of incorrect type: ${s}`, [def.name]));
        return value;
      }
      const target = state.get(s);
      if (!target) {
        errors.push(saveError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [def.name]));
        return value;
      }
      if (target['IsDeleted'] === true) {
        errors.push(saveError('ENTITY_IS_DELETED', 'entity is deleted', [def.name]));
        return value;
      }
      if (def.name === 'OwnerId' && target['IsActive'] === false) {
        errors.push(saveError('INACTIVE_OWNER_OR_USER', 'owner or user is inactive.', [def.name]));
      }
      return to18(s);
    }
    default:
      return value;
  }
}

function fieldSecurityError(names: string[]): SaveError {
  return saveError(
    'INVALID_FIELD_FOR_INSERT_UPDATE',
    `Unable to create/update fields: ${names.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
    names,
  );
}

export interface CreatePlan {
  object: ObjectDef;
  values: Record<string, SfValue>;
}

export interface UpdatePlan {
  record: FakeRecord;
  changes: Record<string, SfValue>;
}

/** pending unique keys inside one request (PermissionSetAssignment, FieldPermissions) */
export type PendingKeys = Set<string>;

function uniqueKey(object: ObjectDef, values: Record<string, SfValue>): string | undefined {
  if (object.name === 'PermissionSetAssignment') {
    return `psa|${idKey(String(values['AssigneeId']))}|${idKey(String(values['PermissionSetId']))}`;
  }
  if (object.name === 'FieldPermissions') {
    return `fp|${idKey(String(values['ParentId']))}|${String(values['Field']).toLowerCase()}`;
  }
  if (object.name === 'PermissionSet') return `ps|${String(values['Name']).toLowerCase()}`;
  return undefined;
}

function existingUniqueKeys(state: OrgState, object: ObjectDef): Set<string> {
  const out = new Set<string>();
  for (const r of state.recordMap(object.name).values()) {
    const k = uniqueKey(object, r);
    if (k) out.add(k);
  }
  return out;
}

export function validateCreate(
  state: OrgState,
  parsed: ParsedInput,
  pending: PendingKeys,
): { ok: true; plan: CreatePlan } | { ok: false; errors: SaveError[] } {
  const { object } = parsed;
  const errors: SaveError[] = [];
  if (!object.createable) {
    return { ok: false, errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${object.name}`)] };
  }
  if (parsed.hasId) errors.push(saveError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']));
  const notCreateable = [...parsed.values.values()].filter((v) => !v.access.createable).map((v) => v.access.def.name);
  if (notCreateable.length > 0) errors.push(fieldSecurityError(notCreateable));
  const values: Record<string, SfValue> = {};
  for (const [name, { access, value }] of parsed.values) {
    if (!access.createable) continue;
    values[name] = validateValue(state, access.def, value, errors);
  }
  // defaults + required fields
  const missing: string[] = [];
  for (const a of parsed.access.values()) {
    const def = a.def;
    if (!a.createable || def.name in values) continue;
    if (def.defaultedOnCreate && def.defaultValue !== null) values[def.name] = def.defaultValue;
  }
  for (const a of parsed.access.values()) {
    const def = a.def;
    if (!a.createable || def.nillable || def.defaultedOnCreate) continue;
    if (values[def.name] === null || values[def.name] === undefined) missing.push(def.name);
  }
  if (missing.length > 0) errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
  errors.push(...objectRules(state, object, values, undefined));
  if (errors.length === 0) {
    const k = uniqueKey(object, values);
    if (k) {
      if (pending.has(k) || existingUniqueKeys(state, object).has(k)) {
        errors.push(
          object.name === 'PermissionSet'
            ? saveError('DUPLICATE_DEVELOPER_NAME', 'Duplicate API Name', ['Name'])
            : saveError('DUPLICATE_VALUE', 'duplicate value found: <unknown> duplicates value on record with id: <unknown>'),
        );
      } else pending.add(k);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: { object, values } };
}

/** Check the record id of an update/delete; returns the record or a SaveError. */
export function resolveRecordId(
  state: OrgState,
  object: ObjectDef | undefined,
  id: unknown,
): { ok: true; record: FakeRecord; object: ObjectDef } | { ok: false; error: SaveError } {
  if (id === undefined || id === null || id === '') {
    return { ok: false, error: saveError('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']) };
  }
  const s = String(id);
  if (!isIdFormat(s)) return { ok: false, error: saveError('MALFORMED_ID', `malformed id ${s}`, ['Id']) };
  const idObject = state.objectOfId(s);
  if (!idObject || (object && idObject.name !== object.name)) {
    const label = object ? object.label : 'Record';
    return { ok: false, error: saveError('MALFORMED_ID', `${label} ID: id value of incorrect type: ${s}`, ['Id']) };
  }
  const record = state.get(s);
  if (!record) return { ok: false, error: saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []) };
  if (record['IsDeleted'] === true) return { ok: false, error: saveError('ENTITY_IS_DELETED', 'entity is deleted', []) };
  return { ok: true, record, object: idObject };
}

export function injectedError(state: OrgState, id: string): SaveError | undefined {
  const code = state.takeRecordError(id);
  if (!code) return undefined;
  const message =
    code === 'UNABLE_TO_LOCK_ROW'
      ? `unable to obtain exclusive access to this record or 1 records: ${to18(id)}`
      : `${code} (injected by the Salesforce fake)`;
  return saveError(code, message, []);
}

export function validateUpdate(
  state: OrgState,
  parsed: ParsedInput,
): { ok: true; plan: UpdatePlan } | { ok: false; errors: SaveError[] } {
  const { object } = parsed;
  const res = resolveRecordId(state, object, parsed.id);
  if (!res.ok) return { ok: false, errors: [res.error] };
  const record = res.record;
  const injected = injectedError(state, record.Id);
  if (injected) return { ok: false, errors: [injected] };
  if (!object.updateable) {
    return { ok: false, errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${object.name}`)] };
  }
  if (object.name === 'Lead' && record['IsConverted'] === true) {
    return { ok: false, errors: [saveError('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead', [])] };
  }
  const errors: SaveError[] = [];
  const notUpdateable = [...parsed.values.values()].filter((v) => !v.access.updateable).map((v) => v.access.def.name);
  if (notUpdateable.length > 0) errors.push(fieldSecurityError(notUpdateable));
  const changes: Record<string, SfValue> = {};
  const missing: string[] = [];
  for (const [name, { access, value }] of parsed.values) {
    if (!access.updateable) continue;
    if (value === null && !access.def.nillable) {
      if (access.def.type === 'boolean') changes[name] = false;
      else missing.push(name);
      continue;
    }
    changes[name] = validateValue(state, access.def, value, errors);
  }
  if (missing.length > 0) errors.push(saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
  errors.push(...objectRules(state, object, { ...record, ...changes }, record));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: { record, changes } };
}

/** object-specific rules beyond field types */
function objectRules(state: OrgState, object: ObjectDef, values: Record<string, SfValue>, existing: FakeRecord | undefined): SaveError[] {
  const errors: SaveError[] = [];
  if (object.name === 'Task') {
    const who = values['WhoId'];
    if (typeof who === 'string' && who.startsWith('00Q')) {
      const lead = state.get(who);
      if (lead && lead['IsConverted'] === true && (!existing || existing['WhoId'] !== who)) {
        errors.push(saveError('FIELD_INTEGRITY_EXCEPTION', 'Name ID: converted leads cannot be related to a new activity', ['WhoId']));
      }
    }
  }
  if (object.name === 'FieldPermissions' && !existing) {
    const fieldName = String(values['Field'] ?? '');
    const [objName, fName] = fieldName.split('.');
    const target = objName ? state.object(objName) : undefined;
    const def = target && fName ? target.fields.get(fName.toLowerCase()) : undefined;
    if (!def || String(values['SobjectType'] ?? '').toLowerCase() !== (objName ?? '').toLowerCase()) {
      errors.push(saveError('INVALID_FIELD', `Field Name: bad value for restricted picklist field: ${fieldName}`, ['Field']));
    } else if (values['PermissionsEdit'] === true && values['PermissionsRead'] !== true) {
      errors.push(saveError('FIELD_INTEGRITY_EXCEPTION', 'Permission Edit depends on permission(s): Read', ['PermissionsEdit']));
    }
  }
  return errors;
}

export function applyCreate(state: OrgState, plan: CreatePlan, stamp: string, userId: string): FakeRecord {
  return state.insert(plan.object.name, plan.values, { stamp, byUserId: userId });
}

export function applyUpdate(state: OrgState, plan: UpdatePlan, stamp: string, userId: string): FakeRecord {
  return state.patch(plan.record.Id, plan.changes, { stamp, byUserId: userId });
}

export function nowStamp(state: OrgState): string {
  return formatDateTime(state.clock.now());
}
