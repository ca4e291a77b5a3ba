// Names people type (accounts, API key labels) end up in HTML pages, CSV exports, logs and terminals. Control
// characters (NUL, escape sequences) and bidirectional overrides (which make "txt.exe" read as "exe.txt") have no
// place in them, so they are refused at every edge rather than escaped at every exit.
import { z } from 'zod';

/** C0/C1 controls, DEL, bidi embeddings/overrides/isolates/marks and the Unicode line/paragraph separators. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

export function hasUnprintable(s: string): boolean {
  return UNPRINTABLE.test(s);
}

/** A trimmed one-line name of 1..max printable characters. */
export function printableName(max: number, what: string) {
  return z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} is at most ${max} characters`)
    .refine((s) => !hasUnprintable(s), `${what} must not contain control or bidirectional-override characters`);
}
