// Translation between HubSpot's shapes and the port's logical forms: property definitions → FieldDef, the string
// values HubSpot reads and writes ↔ FieldValue (docs/hubspot.md §4.1 value formats). Pure functions, no SDK types.
import type { FieldDef, FieldType, FieldValue } from '../types.js';

/** A property definition as client.ts hands it over (a plain copy of the SDK's Property). */
export interface HsProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  options: { label: string; value: string; hidden: boolean; displayOrder?: number }[];
  calculated: boolean;
  readOnlyValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
}

/** HubSpot keeps string values up to 65,536 characters. */
export const MAX_STRING = 65_536;

export function fieldTypeOf(p: Pick<HsProperty, 'type' | 'fieldType'>): FieldType {
  switch (p.type) {
    case 'bool':
      return 'bool';
    case 'number':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'enumeration':
      return 'enumeration';
    case 'string':
      if (p.fieldType === 'phonenumber') return 'phone';
      if (p.fieldType === 'textarea' || p.fieldType === 'html') return 'textarea';
      // A file property holds file ids / URLs managed by HubSpot's file manager: nothing we should write.
      if (p.fieldType === 'file') return 'other';
      return 'string';
    default:
      return 'other';
  }
}

export function toFieldDef(p: HsProperty): FieldDef {
  const type = fieldTypeOf(p);
  const def: FieldDef = {
    name: p.name,
    label: p.label,
    type,
    updateable: !(p.readOnlyValue || p.calculated || p.fieldType === 'calculation_equation'),
  };
  if (type === 'enumeration') def.options = p.options.filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
  if (type === 'string' || type === 'textarea' || type === 'phone') def.maxLength = MAX_STRING;
  return def;
}

const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;
const EPOCH_MS = /^-?\d+$/;

/** A value as HubSpot returns it (always a string, '' or null when unset) → its logical form for `type`. */
export function fromHubSpot(type: FieldType, raw: string | null | undefined): FieldValue {
  if (raw === null || raw === undefined || raw === '') return null;
  switch (type) {
    case 'bool': {
      const v = raw.trim().toLowerCase();
      return v === 'true' ? true : v === 'false' ? false : null;
    }
    case 'number': {
      const n = Number(raw.trim());
      return raw.trim() !== '' && Number.isFinite(n) ? n : null;
    }
    case 'date': {
      const m = DATE_PREFIX.exec(raw.trim());
      if (m?.[1]) return m[1];
      const t = EPOCH_MS.test(raw.trim()) ? Number(raw.trim()) : Date.parse(raw);
      return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : null;
    }
    case 'datetime': {
      const s = raw.trim();
      const t = EPOCH_MS.test(s) ? Number(s) : Date.parse(s);
      return Number.isFinite(t) ? new Date(t).toISOString() : null;
    }
    default:
      return raw;
  }
}

export type Serialized = { ok: true; value: string } | { ok: false; reason: string };

/**
 * A logical value → the string HubSpot accepts for `type`. null clears the property (''). Values are trimmed:
 * since 2025-01-06 HubSpot rejects non-string values with leading or trailing whitespace (§4.1).
 */
export function toHubSpot(type: FieldType | undefined, value: FieldValue): Serialized {
  if (value === null) return { ok: true, value: '' };
  const bad = (what: string): Serialized => ({ ok: false, reason: `${JSON.stringify(value)} is not a valid ${what}` });
  switch (type) {
    case 'bool': {
      if (typeof value === 'boolean') return { ok: true, value: value ? 'true' : 'false' };
      const s = String(value).trim().toLowerCase();
      return s === 'true' || s === 'false' ? { ok: true, value: s } : bad('boolean');
    }
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
      return Number.isFinite(n) ? { ok: true, value: String(n) } : bad('number');
    }
    case 'date': {
      if (typeof value === 'boolean') return bad('date');
      if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value: new Date(value).toISOString().slice(0, 10) } : bad('date');
      const m = DATE_PREFIX.exec(value.trim());
      if (m?.[1] && Number.isFinite(Date.parse(`${m[1]}T00:00:00Z`))) return { ok: true, value: m[1] };
      return bad('date');
    }
    case 'datetime': {
      if (typeof value === 'boolean') return bad('datetime');
      const s = String(value).trim();
      const t = typeof value === 'number' ? value : EPOCH_MS.test(s) ? Number(s) : Date.parse(s);
      return Number.isFinite(t) ? { ok: true, value: new Date(t).toISOString() } : bad('datetime');
    }
    case 'enumeration':
      return { ok: true, value: String(value).trim() };
    default: {
      const s = String(value).trim();
      return s.length > MAX_STRING ? { ok: true, value: s.slice(0, MAX_STRING) } : { ok: true, value: s };
    }
  }
}
