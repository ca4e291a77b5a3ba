import { randomBytes } from 'node:crypto';

/** Prefixed random ids: readable in logs and URLs, unguessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('base64url')}`;
}
