// Salesforce describe fields and record values ↔ the logical forms of connectors/types.ts (pure functions).
import type { FieldDef, FieldType, FieldValue } from '../types.js';
import type { DescribeField } from './schemas.js';

const TYPES: Record<string, FieldType> = {
  picklist: 'enumeration',
  multipicklist: 'enumeration',
  boolean: 'bool',
  date: 'date',
  datetime: 'datetime',
  double: 'number',
  int: 'number',
  long: 'number',
  currency: 'number',
  percent: 'number',
  url: 'url',
  phone: 'phone',
  email: 'email',
  textarea: 'textarea',
  string: 'string',
  // A combobox is free text with suggestions; treating it as an enumeration would refuse valid values.
  combobox: 'string',
  reference: 'reference',
};

export function toFieldDef(f: DescribeField): FieldDef {
  const type = TYPES[f.type] ?? 'other';
  const def: FieldDef = { name: f.name, label: f.label, type, updateable: f.updateable };
  if (type === 'enumeration') {
    def.options = f.picklistValues.filter((p) => p.active).map((p) => ({ value: p.value, label: p.label ?? p.value }));
  }
  if (f.length > 0) def.maxLength = f.length;
  return def;
}

/** A value as returned by REST (JSON) → logical form; undefined = not representable (compound address, blob). */
export function fromSfValue(type: FieldType, raw: unknown): FieldValue | undefined {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'date':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : undefined;
    case 'datetime':
      return typeof raw === 'string' ? parseSfDateTime(raw) ?? undefined : undefined;
    default:
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
  }
}

/** Salesforce writes `2025-01-01T00:00:00.000+0000`; JavaScript only promises to parse `+00:00`. */
export function parseSfDateTime(s: string): string | null {
  const normalised = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(normalised);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export type ToSf = { ok: true; value: string | number | boolean | null } | { ok: false; reason: string };

/** Logical value → JSON for a collections write, checked against the field's describe. */
export function toSfValue(def: FieldDef, v: FieldValue): ToSf {
  if (v === null) return { ok: true, value: null };
  switch (def.type) {
    case 'bool':
      return typeof v === 'boolean' ? { ok: true, value: v } : { ok: false, reason: `${def.name} expects a boolean` };
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${def.name} expects a number` };
    }
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))
        ? { ok: true, value: v }
        : { ok: false, reason: `${def.name} expects a date YYYY-MM-DD` };
    case 'datetime': {
      const t = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : Number.NaN;
      return Number.isNaN(t) ? { ok: false, reason: `${def.name} expects an ISO datetime` } : { ok: true, value: new Date(t).toISOString() };
    }
    case 'enumeration': {
      const s = String(v);
      // Multi-select picklists carry `a;b`; every part must be an active option.
      const parts = s.split(';');
      const allowed = new Set((def.options ?? []).map((o) => o.value));
      const bad = parts.find((p) => !allowed.has(p));
      return bad === undefined ? { ok: true, value: s } : { ok: false, reason: `${JSON.stringify(bad)} is not an active value of picklist ${def.name}` };
    }
    case 'reference':
    case 'other':
      return typeof v === 'string' ? { ok: true, value: v } : { ok: false, reason: `${def.name} expects text` };
    default:
      return { ok: true, value: typeof v === 'string' ? v : String(v) };
  }
}
