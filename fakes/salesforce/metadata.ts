// Metadata API (SOAP) stand-in at POST /services/Soap/m/{version}: createMetadata, updateMetadata,
// upsertMetadata, readMetadata, deleteMetadata, listMetadata for CustomField and PermissionSet.
import { XMLParser } from 'fast-xml-parser';
import { xml, type Ctx, type HttpResult } from './http.js';
import type { ApiUsage } from './limits.js';
import type { OAuthServer } from './oauth.js';
import { picklistEntriesFromMeta, type OrgState } from './state.js';
import type { CustomFieldMeta, CustomValueMeta, FakeRecord, FieldPermissionMeta, PermissionSetMeta, SaveError } from './types.js';
import { escapeXml, formatDateTime, idKey, isPlainObject, toIsoZ } from './util.js';

const MD_NS = 'http://soap.sforce.com/2006/04/metadata';
const MAX_COMPONENTS = 10;
const ARRAY_TAGS = new Set(['metadata', 'fullNames', 'fieldPermissions', 'value', 'queries', 'objectPermissions', 'userPermissions']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAY_TAGS.has(name),
});

type XmlNode = string | number | boolean | null | undefined | XmlNode[] | { [k: string]: XmlNode };

/** Serialise a value as XML elements. Keys starting with `@` become attributes. */
function toXml(name: string, value: XmlNode): string {
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join('');
  if (value === undefined) return '';
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    let attrs = '';
    let inner = '';
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('@')) attrs += ` ${k.slice(1)}="${escapeXml(String(v))}"`;
      else inner += toXml(k, v);
    }
    return `<${name}${attrs}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function envelope(bodyInner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="${MD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body>${bodyInner}</soapenv:Body></soapenv:Envelope>`
  );
}

export function soapFault(code: string, message: string, faultcodePrefix = 'sf'): HttpResult {
  const fault =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="${MD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    '<soapenv:Body><soapenv:Fault>' +
    `<faultcode>${faultcodePrefix}:${escapeXml(code)}</faultcode>` +
    `<faultstring>${escapeXml(faultcodePrefix === 'sf' ? `${code}: ${message}` : message)}</faultstring>` +
    (faultcodePrefix === 'sf'
      ? `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>${escapeXml(code)}</sf:exceptionCode>` +
        `<sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>`
      : '') +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  return xml(500, fault);
}

// ----------------------------------------------------------------------------- reading parsed XML

type Raw = Record<string, unknown>;

function text(raw: Raw, key: string): string | undefined {
  const v = raw[key];
  if (typeof v === 'string') return v;
  if (isPlainObject(v) && typeof v['#text'] === 'string') return v['#text'];
  return undefined;
}

function bool(raw: Raw, key: string): boolean | undefined {
  const v = text(raw, key);
  if (v === undefined) return undefined;
  return v === 'true';
}

function num(raw: Raw, key: string): number | undefined {
  const v = text(raw, key);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : Number.NaN;
}

function list(raw: Raw, key: string): Raw[] {
  const v = raw[key];
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.filter(isPlainObject);
}

function typeAttr(raw: Raw): string | undefined {
  const t = raw['@_type'];
  return typeof t === 'string' ? t.replace(/^.*:/, '') : undefined;
}

function err(statusCode: string, message: string, fields: string[] = []): SaveError {
  return { statusCode, message, fields };
}

// ----------------------------------------------------------------------------- the API

interface ComponentResult {
  fullName: string;
  success: boolean;
  created?: boolean;
  errors: SaveError[];
}

const API_NAME_RE = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$/;
const FIELD_NAME_RULES =
  'The Field Name field can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.';

export class MetadataApi {
  constructor(
    private readonly state: OrgState,
    private readonly oauth: OAuthServer,
    private readonly usage: ApiUsage,
    private readonly allowed: () => boolean,
  ) {}

  handle(ctx: Ctx): HttpResult {
    ctx.log.kind = 'metadata';
    if (ctx.method !== 'POST') return soapFault('Client', 'Only POST is supported', 'soapenv');
    let doc: unknown;
    try {
      doc = parser.parse(ctx.body);
    } catch (e) {
      return soapFault('Client', `Unable to parse the request: ${(e as Error).message}`, 'soapenv');
    }
    const env = isPlainObject(doc) ? doc['Envelope'] : undefined;
    const body = isPlainObject(env) ? env['Body'] : undefined;
    if (!isPlainObject(env) || !isPlainObject(body)) return soapFault('Client', 'Missing SOAP envelope/body', 'soapenv');
    const op = Object.keys(body).find((k) => !k.startsWith('@_'));
    const args = op ? body[op] : undefined;
    if (!op) return soapFault('Client', 'No operation in the SOAP body', 'soapenv');
    ctx.log.operation = op;
    const headerEl = env['Header'];
    const sessionHeader = isPlainObject(headerEl) ? headerEl['SessionHeader'] : undefined;
    const sessionId = isPlainObject(sessionHeader) ? text(sessionHeader, 'sessionId') : undefined;
    const callOptions = isPlainObject(headerEl) ? headerEl['CallOptions'] : undefined;
    const client = isPlainObject(callOptions) ? text(callOptions, 'client') : undefined;
    if (client !== undefined) ctx.log.callOptions = `client=${client}`;
    const userId = this.oauth.userOf(sessionId);
    if (!userId) return soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
    if (this.usage.exhausted()) return soapFault('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    this.usage.count();
    ctx.log.countsTowardLimit = true;
    if (!this.allowed()) {
      return soapFault('INSUFFICIENT_ACCESS', 'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions');
    }
    const a: Raw = isPlainObject(args) ? args : {};
    switch (op) {
      case 'createMetadata':
      case 'updateMetadata':
      case 'upsertMetadata':
        return this.save(op, a, userId);
      case 'readMetadata':
        return this.read(a);
      case 'deleteMetadata':
        return this.remove(a);
      case 'listMetadata':
        return this.listMd(a);
      default:
        return soapFault('Client', `No operation available for request {${MD_NS}}${op}, please check the WSDL for the service.`, 'soapenv');
    }
  }

  // ------------------------------------------------------------------ create / update / upsert

  private save(op: 'createMetadata' | 'updateMetadata' | 'upsertMetadata', a: Raw, userId: string): HttpResult {
    const comps = list(a, 'metadata');
    if (comps.length > MAX_COMPONENTS) {
      return soapFault('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COMPONENTS} records in this operation`);
    }
    const mode = op === 'createMetadata' ? 'create' : op === 'updateMetadata' ? 'update' : 'upsert';
    const results = comps.map((c) => {
      const type = typeAttr(c);
      const fullName = text(c, 'fullName') ?? '';
      if (type === 'CustomField') return this.saveCustomField(c, fullName, mode);
      if (type === 'PermissionSet') return this.savePermissionSet(c, fullName, mode, userId);
      return { fullName, success: false, errors: [err('INVALID_TYPE', `The Salesforce fake does not support metadata type ${type ?? '(none)'}`)] };
    });
    const xmlResults = results.map((r): XmlNode => {
      const node: Record<string, XmlNode> = {};
      if (mode === 'upsert') node['created'] = r.created === true;
      if (r.errors.length > 0) {
        node['errors'] = r.errors.map((e) => ({ fields: e.fields.length > 0 ? e.fields : undefined, message: e.message, statusCode: e.statusCode }));
      }
      node['fullName'] = r.fullName;
      node['success'] = r.success;
      return node;
    });
    return xml(200, envelope(toXml(`${op}Response`, { result: xmlResults })));
  }

  private parseCustomField(c: Raw, fullName: string): { meta: CustomFieldMeta } | { error: SaveError } {
    const type = text(c, 'type') ?? '';
    const label = text(c, 'label') ?? '';
    const meta: CustomFieldMeta = {
      fullName,
      label,
      type,
      required: bool(c, 'required') ?? false,
      externalId: bool(c, 'externalId') ?? false,
      unique: bool(c, 'unique') ?? false,
    };
    const description = text(c, 'description');
    if (description !== undefined) meta.description = description;
    const help = text(c, 'inlineHelpText');
    if (help !== undefined) meta.inlineHelpText = help;
    if (label.trim() === '') return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Must specify a non-empty label for the CustomField', ['label']) };
    const need = (k: string): SaveError => err('FIELD_INTEGRITY_EXCEPTION', `Must specify '${k}' for a CustomField of type ${type}`, [k]);
    switch (type) {
      case 'Text':
      case 'LongTextArea': {
        const length = num(c, 'length');
        if (length === undefined) return { error: need('length') };
        const [min, max] = type === 'Text' ? [1, 255] : [256, 131072];
        if (!Number.isInteger(length) || length < min || length > max) {
          return { error: err('FIELD_INTEGRITY_EXCEPTION', `Length must be between ${min} and ${max}`, ['length']) };
        }
        meta.length = length;
        if (type === 'LongTextArea') {
          const lines = num(c, 'visibleLines');
          if (lines === undefined) return { error: need('visibleLines') };
          meta.visibleLines = lines;
        }
        break;
      }
      case 'Checkbox': {
        const d = text(c, 'defaultValue');
        if (d === undefined) return { error: need('defaultValue') };
        if (d !== 'true' && d !== 'false') return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Checkbox default value must be true or false', ['defaultValue']) };
        meta.defaultValue = d;
        break;
      }
      case 'Number':
      case 'Percent':
      case 'Currency': {
        const precision = num(c, 'precision');
        const scale = num(c, 'scale') ?? 0;
        if (precision === undefined) return { error: need('precision') };
        if (!Number.isInteger(precision) || precision < 1 || precision > 18) {
          return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Precision must be between 1 and 18', ['precision']) };
        }
        if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
          return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Scale must be between 0 and the precision', ['scale']) };
        }
        meta.precision = precision;
        meta.scale = scale;
        break;
      }
      case 'Picklist': {
        const vs = c['valueSet'];
        const vsd = isPlainObject(vs) ? vs['valueSetDefinition'] : undefined;
        const raws = isPlainObject(vsd) ? list(vsd, 'value') : [];
        if (!isPlainObject(vs) || raws.length === 0) {
          return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Picklist must have at least one value', ['valueSet']) };
        }
        const values: CustomValueMeta[] = [];
        for (const v of raws) {
          const name = text(v, 'fullName');
          if (!name) return { error: err('REQUIRED_FIELD_MISSING', 'Required field is missing: fullName', ['valueSet']) };
          if (name.length > 255) return { error: err('STRING_TOO_LONG', `Picklist value too long: ${name}`, ['valueSet']) };
          if (values.some((x) => x.fullName.toLowerCase() === name.toLowerCase())) {
            return { error: err('FIELD_INTEGRITY_EXCEPTION', `Duplicate picklist value: ${name}`, ['valueSet']) };
          }
          values.push({ fullName: name, label: text(v, 'label') ?? name, default: bool(v, 'default') ?? false, isActive: bool(v, 'isActive') ?? true });
        }
        if (values.filter((v) => v.default).length > 1) {
          return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Only one picklist value can be the default', ['valueSet']) };
        }
        meta.valueSet = {
          restricted: bool(vs, 'restricted') ?? false,
          sorted: (isPlainObject(vsd) ? bool(vsd, 'sorted') : undefined) ?? false,
          values,
        };
        break;
      }
      case 'Date':
      case 'DateTime':
      case 'Url':
      case 'Email':
      case 'Phone':
      case 'TextArea':
        break;
      case '':
        return { error: err('FIELD_INTEGRITY_EXCEPTION', 'Must specify a type for the CustomField', ['type']) };
      default:
        return { error: err('FIELD_INTEGRITY_EXCEPTION', `The Salesforce fake does not support CustomField type ${type}`, ['type']) };
    }
    return { meta };
  }

  private saveCustomField(c: Raw, fullName: string, mode: 'create' | 'update' | 'upsert'): ComponentResult {
    const fail = (e: SaveError): ComponentResult => ({ fullName, success: false, created: false, errors: [e] });
    const m = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(fullName);
    if (!m) return fail(err('FIELD_INTEGRITY_EXCEPTION', `Invalid fullName '${fullName}', must be of the form Object.Field__c`, ['fullName']));
    const object = this.state.object(m[1] ?? '');
    if (!object || !object.customizable) return fail(err('INVALID_CROSS_REFERENCE_KEY', `In field: fullName - no CustomObject named ${m[1]} found`, ['fullName']));
    const fieldName = m[2] ?? '';
    const base = fieldName.endsWith('__c') ? fieldName.slice(0, -3) : '';
    if (!base || !API_NAME_RE.test(base) || base.length > 40) return fail(err('FIELD_INTEGRITY_EXCEPTION', FIELD_NAME_RULES, ['fullName']));
    const canonicalFull = `${object.name}.${fieldName}`;
    const existing = object.fields.get(fieldName.toLowerCase());
    if (existing && !existing.custom) return fail(err('DUPLICATE_DEVELOPER_NAME', `There is already a field named ${fieldName} on ${object.name}.`, ['fullName']));
    if (mode === 'create' && existing) return fail(err('DUPLICATE_DEVELOPER_NAME', `There is already a field named ${existing.name} on ${object.name}.`, ['fullName']));
    if (mode === 'update' && !existing) return fail(err('INVALID_CROSS_REFERENCE_KEY', `In field: fullName - no CustomField named ${canonicalFull} found`, ['fullName']));
    const parsed = this.parseCustomField(c, existing?.meta?.fullName ?? canonicalFull);
    if ('error' in parsed) return fail(parsed.error);
    const meta = parsed.meta;
    // picklist values left out of a redeploy are deactivated, not deleted
    if (meta.valueSet && existing?.meta?.valueSet) {
      for (const old of existing.meta.valueSet.values) {
        if (!meta.valueSet.values.some((v) => v.fullName.toLowerCase() === old.fullName.toLowerCase())) {
          meta.valueSet.values.push({ ...old, default: false, isActive: false });
        }
      }
    }
    const def = this.state.customFieldDef(object.name, meta);
    if (existing) def.name = existing.name;
    if (meta.type === 'Picklist') def.picklistValues = picklistEntriesFromMeta(meta);
    const typeChanged = existing !== undefined && existing.type !== def.type;
    this.state.addCustomField(object.name, def);
    if (!existing || typeChanged) {
      const initial = def.type === 'boolean' ? def.defaultValue : null;
      for (const r of this.state.recordMap(object.name).values()) r[def.name] = initial;
    }
    return { fullName: meta.fullName, success: true, created: !existing, errors: [] };
  }

  private findPermissionSet(name: string): FakeRecord | undefined {
    const lower = name.toLowerCase();
    for (const r of this.state.recordMap('PermissionSet').values()) {
      if (String(r['Name']).toLowerCase() === lower) return r;
    }
    return undefined;
  }

  private savePermissionSet(c: Raw, fullName: string, mode: 'create' | 'update' | 'upsert', userId: string): ComponentResult {
    const fail = (e: SaveError): ComponentResult => ({ fullName, success: false, created: false, errors: [e] });
    if (!API_NAME_RE.test(fullName) || fullName.length > 80) {
      return fail(err('FIELD_INTEGRITY_EXCEPTION', 'The API Name can only contain underscores and alphanumeric characters. It must be unique, begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.', ['fullName']));
    }
    const existing = this.findPermissionSet(fullName);
    if (mode === 'create' && existing) return fail(err('DUPLICATE_DEVELOPER_NAME', `A permission set with the API name ${fullName} already exists`, ['fullName']));
    if (mode === 'update' && !existing) return fail(err('INVALID_CROSS_REFERENCE_KEY', `In field: fullName - no PermissionSet named ${fullName} found`, ['fullName']));
    const label = text(c, 'label') ?? '';
    if (label.trim() === '') return fail(err('FIELD_INTEGRITY_EXCEPTION', 'Must specify a non-empty label for the PermissionSet', ['label']));
    const perms: FieldPermissionMeta[] = [];
    for (const fp of list(c, 'fieldPermissions')) {
      const field = text(fp, 'field') ?? '';
      const readable = bool(fp, 'readable') ?? false;
      const editable = bool(fp, 'editable') ?? false;
      const [objName, fName] = field.split('.');
      const object = objName ? this.state.object(objName) : undefined;
      const def = object && fName ? object.fields.get(fName.toLowerCase()) : undefined;
      if (!object || !def) return fail(err('FIELD_INTEGRITY_EXCEPTION', `In field: field - no CustomField named ${field} found`, ['fieldPermissions']));
      if (!def.custom && !def.nillable && def.createable) return fail(err('FIELD_INTEGRITY_EXCEPTION', `You cannot deploy to a required field: ${object.name}.${def.name}`, ['fieldPermissions']));
      if (editable && !readable) {
        return fail(err('FIELD_INTEGRITY_EXCEPTION', `Permission Edit ${object.name}.${def.name} depends on permission(s): Read ${object.name}.${def.name}`, ['fieldPermissions']));
      }
      perms.push({ field: `${object.name}.${def.name}`, readable, editable });
    }
    const meta: PermissionSetMeta = {
      fullName,
      label,
      hasActivationRequired: bool(c, 'hasActivationRequired') ?? false,
      fieldPermissions: perms,
    };
    const description = text(c, 'description');
    if (description !== undefined) meta.description = description;
    const stamp = formatDateTime(this.state.clock.now());
    let ps = existing;
    if (ps) {
      this.state.patch(ps.Id, { Label: label, Description: meta.description ?? null, HasActivationRequired: meta.hasActivationRequired }, { stamp, byUserId: userId });
    } else {
      ps = this.state.insert(
        'PermissionSet',
        { Name: fullName, Label: label, Description: meta.description ?? null, IsOwnedByProfile: false, HasActivationRequired: meta.hasActivationRequired },
        { stamp, byUserId: userId },
      );
    }
    // the deployed definition replaces the set's field permissions
    const psKey = idKey(ps.Id);
    for (const fp of [...this.state.recordMap('FieldPermissions').values()]) {
      if (idKey(String(fp['ParentId'])) === psKey) this.state.hardDelete(fp.Id);
    }
    for (const p of perms) {
      if (!p.readable && !p.editable) continue;
      this.state.insert(
        'FieldPermissions',
        { ParentId: ps.Id, SobjectType: p.field.split('.')[0] ?? '', Field: p.field, PermissionsRead: p.readable, PermissionsEdit: p.editable },
        { stamp, byUserId: userId },
      );
    }
    this.state.touchSchema();
    return { fullName, success: true, created: !existing, errors: [] };
  }

  /** test helper entry: upsert a CustomField from an already-parsed component */
  saveCustomFieldRaw(raw: Raw, fullName: string): ComponentResult {
    return this.saveCustomField(raw, fullName, 'upsert');
  }

  /** test helper: read/edit on `Object.Field__c` for `userId` through a helper permission set */
  grantFieldAccess(field: string, userId: string): void {
    const name = 'Fake_Test_Field_Access';
    const stamp = formatDateTime(this.state.clock.now());
    const ps =
      this.findPermissionSet(name) ??
      this.state.insert('PermissionSet', { Name: name, Label: 'Fake test field access', IsOwnedByProfile: false, HasActivationRequired: false }, { stamp });
    const key = idKey(ps.Id);
    const exists = [...this.state.recordMap('FieldPermissions').values()].some(
      (fp) => idKey(String(fp['ParentId'])) === key && String(fp['Field']).toLowerCase() === field.toLowerCase(),
    );
    if (!exists) {
      this.state.insert('FieldPermissions', { ParentId: ps.Id, SobjectType: field.split('.')[0] ?? '', Field: field, PermissionsRead: true, PermissionsEdit: true }, { stamp });
    }
    const assigned = [...this.state.recordMap('PermissionSetAssignment').values()].some(
      (a) => idKey(String(a['PermissionSetId'])) === key && idKey(String(a['AssigneeId'])) === idKey(userId),
    );
    if (!assigned) this.state.insert('PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: ps.Id, IsActive: true }, { stamp });
    this.state.touchSchema();
  }

  // ------------------------------------------------------------------ read / delete / list

  private read(a: Raw): HttpResult {
    const type = text(a, 'type') ?? '';
    const names = (Array.isArray(a['fullNames']) ? a['fullNames'] : []).map((n) => (typeof n === 'string' ? n : ''));
    if (names.length > MAX_COMPONENTS) {
      return soapFault('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COMPONENTS} records in this operation`);
    }
    const records = names.map((n): XmlNode => {
      const rec = type === 'CustomField' ? this.readCustomField(n) : type === 'PermissionSet' ? this.readPermissionSet(n) : undefined;
      return rec ? { '@xsi:type': type, ...rec } : null;
    });
    return xml(200, envelope(toXml('readMetadataResponse', { result: { records } })));
  }

  private readCustomField(fullName: string): Record<string, XmlNode> | undefined {
    const [objName, fName] = fullName.split('.');
    const object = objName ? this.state.object(objName) : undefined;
    const def = object && fName ? object.fields.get(fName.toLowerCase()) : undefined;
    const meta = def?.meta;
    if (!meta) return undefined;
    const out: Record<string, XmlNode> = { fullName: meta.fullName };
    if (meta.defaultValue !== undefined) out['defaultValue'] = meta.defaultValue;
    if (meta.description !== undefined) out['description'] = meta.description;
    out['externalId'] = meta.externalId;
    if (meta.inlineHelpText !== undefined) out['inlineHelpText'] = meta.inlineHelpText;
    out['label'] = meta.label;
    if (meta.length !== undefined) out['length'] = meta.length;
    if (meta.precision !== undefined) out['precision'] = meta.precision;
    if (meta.type !== 'Checkbox') out['required'] = meta.required;
    if (meta.scale !== undefined) out['scale'] = meta.scale;
    out['trackFeedHistory'] = false;
    out['type'] = meta.type;
    if (meta.type === 'Text') out['unique'] = meta.unique;
    if (meta.valueSet) {
      out['valueSet'] = {
        restricted: meta.valueSet.restricted,
        valueSetDefinition: {
          sorted: meta.valueSet.sorted,
          value: meta.valueSet.values.map((v) => ({
            fullName: v.fullName,
            default: v.default,
            ...(v.isActive ? {} : { isActive: false }),
            label: v.label,
          })),
        },
      };
    }
    if (meta.visibleLines !== undefined) out['visibleLines'] = meta.visibleLines;
    return out;
  }

  private readPermissionSet(fullName: string): Record<string, XmlNode> | undefined {
    const ps = this.findPermissionSet(fullName);
    if (!ps) return undefined;
    const key = idKey(ps.Id);
    const perms = [...this.state.recordMap('FieldPermissions').values()]
      .filter((fp) => idKey(String(fp['ParentId'])) === key)
      .map((fp) => ({ editable: fp['PermissionsEdit'] === true, field: String(fp['Field']), readable: fp['PermissionsRead'] === true }))
      .sort((x, y) => (x.field < y.field ? -1 : 1));
    const out: Record<string, XmlNode> = { fullName: String(ps['Name']) };
    if (typeof ps['Description'] === 'string') out['description'] = ps['Description'];
    out['fieldPermissions'] = perms;
    out['hasActivationRequired'] = ps['HasActivationRequired'] === true;
    out['label'] = String(ps['Label']);
    return out;
  }

  private remove(a: Raw): HttpResult {
    const type = text(a, 'type') ?? '';
    const names = (Array.isArray(a['fullNames']) ? a['fullNames'] : []).map((n) => (typeof n === 'string' ? n : ''));
    if (names.length > MAX_COMPONENTS) {
      return soapFault('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COMPONENTS} records in this operation`);
    }
    const results = names.map((n): XmlNode => {
      const missing = { errors: { message: `No ${type} named: ${n} found`, statusCode: 'INVALID_CROSS_REFERENCE_KEY' }, fullName: n, success: false };
      if (type === 'CustomField') {
        const [objName, fName] = n.split('.');
        const object = objName ? this.state.object(objName) : undefined;
        const def = object && fName ? object.fields.get(fName.toLowerCase()) : undefined;
        if (!object || !def?.custom) return missing;
        this.state.removeCustomField(object.name, def.name);
        return { fullName: n, success: true };
      }
      if (type === 'PermissionSet') {
        const ps = this.findPermissionSet(n);
        if (!ps) return missing;
        const key = idKey(ps.Id);
        for (const name of ['FieldPermissions', 'PermissionSetAssignment'] as const) {
          const refField = name === 'FieldPermissions' ? 'ParentId' : 'PermissionSetId';
          for (const r of [...this.state.recordMap(name).values()]) if (idKey(String(r[refField])) === key) this.state.hardDelete(r.Id);
        }
        this.state.hardDelete(ps.Id);
        return { fullName: n, success: true };
      }
      return missing;
    });
    return xml(200, envelope(toXml('deleteMetadataResponse', { result: results })));
  }

  private listMd(a: Raw): HttpResult {
    const out: XmlNode[] = [];
    for (const q of list(a, 'queries')) {
      const type = text(q, 'type');
      if (type === 'CustomField') {
        for (const o of this.state.allObjects()) {
          for (const f of o.fields.values()) {
            if (!f.custom) continue;
            out.push(this.fileProps('CustomField', `${o.name}.${f.name}`, `objects/${o.name}.object`, '00N'));
          }
        }
      } else if (type === 'PermissionSet') {
        for (const ps of this.state.recordMap('PermissionSet').values()) {
          out.push(this.fileProps('PermissionSet', String(ps['Name']), `permissionsets/${String(ps['Name'])}.permissionset`, ps.Id, ps));
        }
      }
    }
    return xml(200, envelope(toXml('listMetadataResponse', { result: out })));
  }

  private fileProps(type: string, fullName: string, fileName: string, id: string, rec?: FakeRecord): XmlNode {
    const stamp = rec ? toIsoZ(String(rec['CreatedDate'])) : toIsoZ(formatDateTime(Date.now()));
    return {
      createdById: this.state.userId,
      createdByName: 'Integration User',
      createdDate: stamp,
      fileName,
      fullName,
      id: id.length >= 15 ? id : `${id}000000000000AAA`,
      lastModifiedById: this.state.userId,
      lastModifiedByName: 'Integration User',
      lastModifiedDate: stamp,
      manageableState: 'unmanaged',
      type,
    };
  }
}
