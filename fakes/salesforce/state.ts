// The org: schema (standard + custom fields), records (one Map per object), permission sets and
// field-level security, injected per-record errors.
import { field, isTextType, standardObjects, type FieldAccess } from './describe.js';
import type {
  CustomFieldMeta,
  FakeRecord,
  FieldDef,
  ObjectDef,
  SfValue,
} from './types.js';
import { Clock, formatDateTime, IdGenerator, idKey, isIdFormat, isValidDate, parseDateTime, to18 } from './util.js';

export interface OrgOptions {
  orgId: string;
  userId: string;
}

/** object names whose DML changes who can see which field */
const SECURITY_OBJECTS = new Set(['permissionset', 'permissionsetassignment', 'fieldpermissions']);

export class OrgState {
  readonly orgId: string;
  readonly userId: string;
  readonly ids = new IdGenerator();
  readonly clock = new Clock();
  private readonly objects = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  /** object name → (15-char id key → record) */
  private readonly store = new Map<string, Map<string, FakeRecord>>();
  /** 15-char id key → object name */
  private readonly typeOfKey = new Map<string, string>();
  /** 15-char id key → deletion time (wire format) */
  readonly deletedAt = new Map<string, string>();
  /** bumped whenever schema or security changes; keys the FLS cache */
  private schemaVersion = 0;
  private accessCache = new Map<string, Map<string, FieldAccess>>();
  private accessCacheVersion = -1;
  private readonly recordErrors = new Map<string, { statusCode: string; times: number }>();

  constructor(opts: OrgOptions) {
    this.orgId = opts.orgId;
    this.userId = opts.userId;
    for (const o of standardObjects()) {
      this.objects.set(o.name.toLowerCase(), o);
      this.byPrefix.set(o.keyPrefix, o);
      this.store.set(o.name, new Map());
    }
  }

  // ------------------------------------------------------------------ schema

  object(name: string): ObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  allObjects(): ObjectDef[] {
    return [...this.objects.values()];
  }

  objectOfId(id: string): ObjectDef | undefined {
    return this.byPrefix.get(id.slice(0, 3));
  }

  touchSchema(): void {
    this.schemaVersion += 1;
  }

  addCustomField(objectName: string, def: FieldDef): void {
    const o = this.mustObject(objectName);
    o.fields.set(def.name.toLowerCase(), def);
    this.touchSchema();
  }

  removeCustomField(objectName: string, fieldName: string): void {
    const o = this.mustObject(objectName);
    const def = o.fields.get(fieldName.toLowerCase());
    if (!def || !def.custom) return;
    o.fields.delete(fieldName.toLowerCase());
    for (const r of this.recordMap(o.name).values()) delete r[def.name];
    // its field permissions go too
    for (const fp of [...this.recordMap('FieldPermissions').values()]) {
      if (String(fp['Field']).toLowerCase() === `${o.name}.${def.name}`.toLowerCase()) this.hardDelete(fp.Id);
    }
    this.touchSchema();
  }

  /** Field access (FLS) of `userId` on `objectName`: standard fields always, custom fields through
   * permission sets assigned to the user. Cached until schema/security changes. */
  fieldAccess(objectName: string, userId: string = this.userId): Map<string, FieldAccess> {
    if (this.accessCacheVersion !== this.schemaVersion) {
      this.accessCache = new Map();
      this.accessCacheVersion = this.schemaVersion;
    }
    const o = this.mustObject(objectName);
    const cacheKey = `${o.name}|${idKey(userId)}`;
    const cached = this.accessCache.get(cacheKey);
    if (cached) return cached;
    const perms = this.customFieldPermissions(userId);
    const out = new Map<string, FieldAccess>();
    for (const [lower, def] of o.fields) {
      if (!def.custom) {
        out.set(lower, { def, createable: def.createable, updateable: def.updateable });
        continue;
      }
      const p = perms.get(`${o.name}.${def.name}`.toLowerCase());
      if (!p || !p.read) continue;
      out.set(lower, { def, createable: def.createable && p.edit, updateable: def.updateable && p.edit });
    }
    this.accessCache.set(cacheKey, out);
    return out;
  }

  private customFieldPermissions(userId: string): Map<string, { read: boolean; edit: boolean }> {
    const userKey = idKey(userId);
    const sets = new Set<string>();
    for (const a of this.recordMap('PermissionSetAssignment').values()) {
      if (idKey(String(a['AssigneeId'])) === userKey) sets.add(idKey(String(a['PermissionSetId'])));
    }
    const out = new Map<string, { read: boolean; edit: boolean }>();
    for (const fp of this.recordMap('FieldPermissions').values()) {
      if (!sets.has(idKey(String(fp['ParentId'])))) continue;
      const k = String(fp['Field']).toLowerCase();
      const cur = out.get(k) ?? { read: false, edit: false };
      cur.read ||= fp['PermissionsRead'] === true || fp['PermissionsEdit'] === true;
      cur.edit ||= fp['PermissionsEdit'] === true;
      out.set(k, cur);
    }
    return out;
  }

  private mustObject(name: string): ObjectDef {
    const o = this.object(name);
    if (!o) throw new Error(`Salesforce fake: unknown sObject type '${name}'`);
    return o;
  }

  // ------------------------------------------------------------------ records

  recordMap(objectName: string): Map<string, FakeRecord> {
    const o = this.mustObject(objectName);
    const m = this.store.get(o.name);
    if (!m) throw new Error(`no store for ${o.name}`);
    return m;
  }

  /** by 15- or 18-char id; includes soft-deleted records */
  get(id: string): FakeRecord | undefined {
    if (typeof id !== 'string' || !isIdFormat(id)) return undefined;
    const k = idKey(id);
    const t = this.typeOfKey.get(k);
    if (!t) return undefined;
    return this.store.get(t)?.get(k);
  }

  typeOf(id: string): string | undefined {
    return this.typeOfKey.get(idKey(id));
  }

  /** Insert a record (values already validated and in wire format). Sets system fields. */
  insert(
    objectName: string,
    values: Record<string, SfValue>,
    opts: { stamp?: string; createdAt?: string; byUserId?: string; id?: string } = {},
  ): FakeRecord {
    const o = this.mustObject(objectName);
    const stamp = opts.createdAt ?? opts.stamp ?? formatDateTime(this.clock.now());
    const by = opts.byUserId ?? this.userId;
    const rec: FakeRecord = { Id: opts.id ?? this.ids.next(o.keyPrefix) };
    for (const [lower, def] of o.fields) {
      if (lower === 'id') continue;
      if (def.defaultedOnCreate && def.defaultValue !== null) rec[def.name] = def.defaultValue;
      else rec[def.name] = null;
    }
    for (const [k, v] of Object.entries(values)) rec[k] = v;
    const set = (name: string, v: SfValue): void => {
      if (o.fields.has(name.toLowerCase())) rec[name] = v;
    };
    set('IsDeleted', false);
    set('CreatedDate', stamp);
    set('CreatedById', by);
    set('LastModifiedDate', stamp);
    set('LastModifiedById', by);
    set('SystemModstamp', stamp);
    if (o.fields.has('ownerid') && (rec['OwnerId'] === null || rec['OwnerId'] === undefined)) rec['OwnerId'] = by;
    this.computeFields(o, rec);
    const k = idKey(rec.Id);
    this.recordMap(o.name).set(k, rec);
    this.typeOfKey.set(k, o.name);
    if (SECURITY_OBJECTS.has(o.name.toLowerCase())) this.touchSchema();
    return rec;
  }

  /** Apply already-validated changes. */
  patch(id: string, changes: Record<string, SfValue>, opts: { stamp?: string; byUserId?: string } = {}): FakeRecord {
    const rec = this.get(id);
    if (!rec) throw new Error(`Salesforce fake: no record ${id}`);
    const o = this.mustObject(this.typeOfKey.get(idKey(id)) ?? '');
    for (const [k, v] of Object.entries(changes)) rec[k] = v;
    const stamp = opts.stamp ?? formatDateTime(this.clock.now());
    if (o.fields.has('lastmodifieddate')) rec['LastModifiedDate'] = stamp;
    if (o.fields.has('lastmodifiedbyid')) rec['LastModifiedById'] = opts.byUserId ?? this.userId;
    if (o.fields.has('systemmodstamp')) rec['SystemModstamp'] = stamp;
    this.computeFields(o, rec);
    if (SECURITY_OBJECTS.has(o.name.toLowerCase())) this.touchSchema();
    return rec;
  }

  /** Soft delete (recycle bin): IsDeleted=true, still visible to queryAll. Objects without
   * IsDeleted (setup objects) are removed for good. */
  softDelete(id: string, opts: { stamp?: string; byUserId?: string } = {}): void {
    const rec = this.get(id);
    if (!rec) return;
    const o = this.mustObject(this.typeOfKey.get(idKey(id)) ?? '');
    const stamp = opts.stamp ?? formatDateTime(this.clock.now());
    if (!o.fields.has('isdeleted')) {
      this.hardDelete(id);
      return;
    }
    rec['IsDeleted'] = true;
    if (o.fields.has('systemmodstamp')) rec['SystemModstamp'] = stamp;
    if (o.fields.has('lastmodifiedbyid')) rec['LastModifiedById'] = opts.byUserId ?? this.userId;
    this.deletedAt.set(idKey(id), stamp);
  }

  hardDelete(id: string): void {
    const k = idKey(id);
    const t = this.typeOfKey.get(k);
    if (!t) return;
    this.store.get(t)?.delete(k);
    this.typeOfKey.delete(k);
    if (SECURITY_OBJECTS.has(t.toLowerCase())) this.touchSchema();
  }

  /** derived fields: Name, Task.IsClosed / IsHighPriority / AccountId */
  private computeFields(o: ObjectDef, rec: FakeRecord): void {
    if ((o.name === 'Contact' || o.name === 'Lead' || o.name === 'User') && o.fields.has('name')) {
      const first = rec['FirstName'];
      const last = rec['LastName'];
      rec['Name'] = [first, last].filter((v) => typeof v === 'string' && v !== '').join(' ') || null;
    }
    if (o.name === 'Task') {
      rec['IsClosed'] = rec['Status'] === 'Completed';
      rec['IsHighPriority'] = rec['Priority'] === 'High';
      const who = rec['WhoId'];
      if (typeof who === 'string' && who.startsWith('003')) {
        const c = this.get(who);
        rec['AccountId'] = c ? (c['AccountId'] ?? null) : null;
      } else if (typeof rec['WhatId'] === 'string' && String(rec['WhatId']).startsWith('001')) {
        rec['AccountId'] = rec['WhatId'];
      } else {
        rec['AccountId'] = null;
      }
    }
  }

  // ------------------------------------------------------------------ test-helper coercion

  /** Lenient conversion used by test helpers (`addRecord`, `updateRecord`): accepts Date objects,
   * ISO strings, numbers, booleans. Throws on unknown fields or impossible values. */
  coerceForHelper(objectName: string, input: Record<string, unknown>): Record<string, SfValue> {
    const o = this.mustObject(objectName);
    const out: Record<string, SfValue> = {};
    for (const [k, raw] of Object.entries(input)) {
      if (k === 'attributes') continue;
      const def = o.fields.get(k.toLowerCase());
      if (!def) throw new Error(`Salesforce fake: no field '${k}' on ${o.name} (create custom fields with the Metadata API or fake.addCustomField)`);
      out[def.name] = coerceValue(def, raw, `${o.name}.${def.name}`);
    }
    return out;
  }

  // ------------------------------------------------------------------ injected per-record errors

  injectRecordError(id: string, statusCode: string, times: number): void {
    this.recordErrors.set(idKey(id), { statusCode, times });
  }

  /** consume one injected error for this record, if any */
  takeRecordError(id: string): string | undefined {
    const k = idKey(id);
    const e = this.recordErrors.get(k);
    if (!e) return undefined;
    e.times -= 1;
    if (e.times <= 0) this.recordErrors.delete(k);
    return e.statusCode;
  }

  // ------------------------------------------------------------------ custom fields from metadata

  customFieldDef(objectName: string, meta: CustomFieldMeta): FieldDef {
    const name = meta.fullName.split('.')[1] ?? meta.fullName;
    const base = { label: meta.label, custom: true, externalId: meta.externalId, unique: meta.unique, meta };
    switch (meta.type) {
      case 'Text':
        return field(name, 'string', { ...base, length: meta.length ?? 255, nillable: !meta.required });
      case 'TextArea':
        return field(name, 'textarea', { ...base, length: 255, nillable: !meta.required });
      case 'LongTextArea':
        return field(name, 'textarea', { ...base, length: meta.length ?? 32768 });
      case 'Email':
        return field(name, 'email', { ...base, length: 80, nillable: !meta.required });
      case 'Phone':
        return field(name, 'phone', { ...base, length: 40, nillable: !meta.required });
      case 'Url':
        return field(name, 'url', { ...base, length: 255, nillable: !meta.required });
      case 'Checkbox':
        return field(name, 'boolean', { ...base, defaultValue: meta.defaultValue === 'true', defaultedOnCreate: true, nillable: false });
      case 'Date':
        return field(name, 'date', { ...base, nillable: !meta.required });
      case 'DateTime':
        return field(name, 'datetime', { ...base, nillable: !meta.required });
      case 'Number':
        return field(name, 'double', { ...base, precision: meta.precision ?? 18, scale: meta.scale ?? 0, nillable: !meta.required });
      case 'Percent':
        return field(name, 'percent', { ...base, precision: meta.precision ?? 18, scale: meta.scale ?? 0, nillable: !meta.required });
      case 'Currency':
        return field(name, 'currency', { ...base, precision: meta.precision ?? 18, scale: meta.scale ?? 2, nillable: !meta.required });
      case 'Picklist': {
        const values = meta.valueSet?.values ?? [];
        const dflt = values.find((v) => v.default && v.isActive);
        const def = field(name, 'picklist', {
          ...base,
          length: 255,
          nillable: !meta.required,
          restrictedPicklist: meta.valueSet?.restricted ?? false,
          defaultedOnCreate: dflt !== undefined,
          defaultValue: dflt?.fullName ?? null,
        });
        def.picklistValues = picklistEntriesFromMeta(meta);
        return def;
      }
      default:
        throw new Error(`unsupported custom field type ${meta.type}`);
    }
  }
}

/** picklist entries for a custom picklist definition (set after `field()` since values carry labels) */
export function picklistEntriesFromMeta(meta: CustomFieldMeta): FieldDef['picklistValues'] {
  return (meta.valueSet?.values ?? []).map((v) => ({
    value: v.fullName,
    label: v.label || v.fullName,
    active: v.isActive,
    defaultValue: v.default,
  }));
}

export function coerceValue(def: FieldDef, raw: unknown, where: string): SfValue {
  if (raw === null || raw === undefined) return null;
  const bad = (): never => {
    throw new Error(`Salesforce fake: bad value for ${where} (${def.type}): ${JSON.stringify(raw)}`);
  };
  switch (def.type) {
    case 'boolean':
      return typeof raw === 'boolean' ? raw : bad();
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : bad();
    case 'date':
      if (raw instanceof Date) return raw.toISOString().slice(0, 10);
      return typeof raw === 'string' && isValidDate(raw) ? raw : bad();
    case 'datetime': {
      if (raw instanceof Date) return formatDateTime(raw);
      if (typeof raw === 'number') return formatDateTime(raw);
      if (typeof raw !== 'string') return bad();
      return parseDateTime(raw) ?? bad();
    }
    case 'id':
    case 'reference':
      return typeof raw === 'string' && isIdFormat(raw) ? to18(raw) : bad();
    default:
      if (isTextType(def.type) && (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean')) {
        const s = String(raw);
        return s === '' ? null : s;
      }
      return bad();
  }
}
