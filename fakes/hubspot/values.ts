// Validation + normalisation of CRM property values, following the CRM object API rules
// (docs/hubspot.md §4.1 value formats, §7.14, changelog 2025-01-06 on whitespace in non-string values).
import { propertyValidation, type PropertyValidationResult } from './errors.js';
import type { FakeProperty, PortalState } from './state.js';

/** Whitespace HubSpot rejects at either end of a non-string value, invisible characters included. */
const EDGE_WHITESPACE = /^[\s\u00a0\u200b-\u200d\u2060\ufeff]|[\s\u00a0\u200b-\u200d\u2060\ufeff]$/u;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EPOCH_MS = /^-?\d+$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY_MS = 86_400_000;

export type RawValue = string | number | boolean | null;

export type ValueCheck = { ok: true; value: string } | { ok: false; result: PropertyValidationResult };

/** JSON numbers/booleans are accepted and stringified; null clears like "". */
export function rawToString(v: RawValue): string {
  return v === null ? '' : String(v);
}

function validDate(y: number, m: number, d: number): boolean {
  const t = Date.UTC(y, m - 1, d);
  const dt = new Date(t);
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** Checks one value against its property definition and returns the value as HubSpot will store/return it. */
export function checkValue(state: PortalState, prop: FakeProperty, value: string, current?: string): ValueCheck {
  const portalId = state.opts.portalId;
  const fail = (error: string, message: string): ValueCheck => ({
    ok: false,
    result: propertyValidation(portalId, prop.name, error, message),
  });
  if (value === '') return { ok: true, value: '' }; // clears the value

  if (prop.type !== 'string' && EDGE_WHITESPACE.test(value)) {
    return fail('LEADING_TRAILING_WHITESPACE', `"${value}" includes leading or trailing whitespace.`);
  }

  switch (prop.type) {
    case 'string': {
      if (prop.name === 'email' && !EMAIL.test(value.trim())) return fail('INVALID_EMAIL', `Email address ${value} is invalid`);
      if (value.length > 65_536) return fail('INVALID_STRING_LENGTH', `${prop.name} is longer than 65536 characters`);
      return { ok: true, value };
    }
    case 'bool':
      if (value !== 'true' && value !== 'false') {
        return fail('INVALID_BOOLEAN', `${value} is not a valid boolean value. Allowed values are "true" and "false".`);
      }
      return { ok: true, value };
    case 'number':
      if (!NUMBER.test(value) || !Number.isFinite(Number(value))) return fail('INVALID_DOUBLE', `${value} was not a valid number.`);
      return { ok: true, value };
    case 'date': {
      const m = DATE_ONLY.exec(value);
      if (m) {
        if (!validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return fail('INVALID_DATE', `${value} is not a valid date.`);
        return { ok: true, value };
      }
      if (EPOCH_MS.test(value)) {
        const ms = Number(value);
        const rem = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
        if (rem !== 0) {
          const d = new Date(ms);
          return fail(
            'INVALID_DATE',
            `${value} is at ${d.getUTCHours()}:${d.getUTCMinutes()}:${d.getUTCSeconds()}.${d.getUTCMilliseconds()} UTC, not midnight!`,
          );
        }
        return { ok: true, value: new Date(ms).toISOString().slice(0, 10) };
      }
      return fail('INVALID_DATE', `${value} is not a valid date. Use YYYY-MM-DD or a UTC midnight epoch millisecond timestamp.`);
    }
    case 'datetime': {
      if (EPOCH_MS.test(value)) return { ok: true, value: new Date(Number(value)).toISOString() };
      const t = Date.parse(value);
      if (ISO_DATETIME.test(value) && Number.isFinite(t)) {
        const d = DATE_ONLY.exec(value);
        if (d && !validDate(Number(d[1]), Number(d[2]), Number(d[3]))) return fail('INVALID_LONG', `${value} was not a valid long.`);
        return { ok: true, value: new Date(t).toISOString() };
      }
      return fail('INVALID_LONG', `${value} was not a valid long.`);
    }
    case 'enumeration': {
      const allowed = state.propertyOptions(prop).map((o) => o.value);
      const invalid = (v: string): ValueCheck =>
        fail('INVALID_OPTION', `${v} was not one of the allowed options: [${allowed.join(', ')}]`);
      if (prop.fieldType === 'checkbox') {
        // Multi-select: values joined with ';'; a leading ';' appends to the current value.
        const append = value.startsWith(';');
        const parts = (append ? value.slice(1) : value).split(';');
        for (const part of parts) {
          if (EDGE_WHITESPACE.test(part)) return fail('LEADING_TRAILING_WHITESPACE', `"${part}" includes leading or trailing whitespace.`);
          if (!allowed.includes(part)) return invalid(part);
        }
        const merged = append && current ? [...current.split(';'), ...parts] : parts;
        return { ok: true, value: [...new Set(merged)].join(';') };
      }
      if (!allowed.includes(value)) return invalid(value);
      return { ok: true, value };
    }
  }
}

export interface ValidatedValues {
  values: Record<string, string>;
  errors: PropertyValidationResult[];
}

/**
 * Validates a whole `properties` map for a write: unknown properties (PROPERTY_DOESNT_EXIST),
 * read-only / calculated ones (READ_ONLY_VALUE) and per-type value rules.
 */
export function validateWrite(
  state: PortalState,
  lookup: (name: string) => FakeProperty | undefined,
  input: Record<string, RawValue>,
  current: Record<string, string> = {},
): ValidatedValues {
  const values: Record<string, string> = {};
  const errors: PropertyValidationResult[] = [];
  const portalId = state.opts.portalId;
  for (const [name, raw] of Object.entries(input)) {
    const prop = lookup(name);
    if (!prop) {
      errors.push(propertyValidation(portalId, name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
      continue;
    }
    if (prop.modificationMetadata.readOnlyValue) {
      const what = prop.calculated ? 'a calculated' : 'a read only';
      errors.push(propertyValidation(portalId, name, 'READ_ONLY_VALUE', `"${name}" is ${what} property; its value cannot be set.`));
      continue;
    }
    const checked = checkValue(state, prop, rawToString(raw), current[name]);
    if (checked.ok) values[name] = checked.value;
    else errors.push(checked.result);
  }
  return { values, errors };
}

export function epochOf(prop: FakeProperty | undefined, stored: string): number {
  if (prop?.type === 'date') return Date.parse(`${stored}T00:00:00Z`);
  return Date.parse(stored);
}

