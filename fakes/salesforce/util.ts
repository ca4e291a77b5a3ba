// Ids, timestamps and small helpers shared by the fake's modules.
import { randomBytes } from 'node:crypto';

const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Salesforce's 3-character case-safe suffix for a 15-character id. */
export function idChecksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) flags |= 1 << i;
    }
    out += CHECKSUM_CHARS[flags];
  }
  return out;
}

const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export function isIdFormat(value: string): boolean {
  return ID_RE.test(value);
}

/** The lookup key of an id: its case-sensitive 15-character form. */
export function idKey(id: string): string {
  return id.slice(0, 15);
}

/** 15 or 18 chars → 18 chars (the suffix is recomputed, as Salesforce does). */
export function to18(id: string): string {
  const k = idKey(id);
  return k + idChecksum(k);
}

export class IdGenerator {
  private counter = 0;
  /** pod/instance characters: looks like a real org's ids (`003Dn00000AbCdE`). */
  constructor(private readonly pod = 'Dn') {}
  next(prefix: string): string {
    this.counter += 1;
    let n = this.counter;
    let body = '';
    for (let i = 0; i < 8; i++) {
      body = BASE62[n % 62] + body;
      n = Math.floor(n / 62);
    }
    const id15 = `${prefix}${this.pod}00${body}`; // 3 + 2 + 2 + 8 = 15
    return id15 + idChecksum(id15);
  }
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Salesforce's REST datetime format: `2025-01-01T00:00:00.000+0000`. */
export function formatDateTime(d: Date | number): string {
  const iso = new Date(d).toISOString(); // 2025-01-01T00:00:00.000Z
  return `${iso.slice(0, 23)}+0000`;
}

/** `2025-01-01T00:00:00.000+0000` → `2025-01-01T00:00:00.000Z` (SOAP / Outbound Message form). */
export function toIsoZ(sfDateTime: string): string {
  return sfDateTime.endsWith('+0000') ? `${sfDateTime.slice(0, 23)}Z` : sfDateTime;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function isValidDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Parse an ISO-8601 datetime as Salesforce's REST API accepts it; returns the wire format or null. */
export function parseDateTime(value: string): string | null {
  const m = DATETIME_RE.exec(value);
  if (!m) return null;
  let tz = m[8] ?? 'Z';
  if (tz !== 'Z' && !tz.includes(':')) tz = `${tz.slice(0, 3)}:${tz.slice(3)}`;
  const frac = (m[7] ?? '0').padEnd(3, '0').slice(0, 3);
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${frac}${tz}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return formatDateTime(t);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A monotonic clock: never returns the same or an earlier ms twice in a row unless asked to share. */
export class Clock {
  private last = 0;
  now(): number {
    const t = Date.now();
    this.last = t > this.last ? t : this.last + 1;
    return this.last;
  }
}
