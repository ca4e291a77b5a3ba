// How an operator names one CRM record on the admin pages: its id, or its email (looked up with the CRM's search,
// since nobody knows a HubSpot id by heart).
import { z } from 'zod';
import type { CrmContact, CrmSession, ObjectType } from '../../connectors/types.js';
import { canonicalEmail } from '../enrichment/normalize.js';

export const RecordRef = z
  .string()
  .trim()
  .max(254)
  .refine((s) => /^[A-Za-z0-9]{1,64}$/.test(s) || (s.includes('@') && canonicalEmail(s) !== null), 'enter a record id (letters and digits) or an email address');

/** The canonical email when the reference is one, else null (a record id). */
export function emailOfRef(ref: string): string | null {
  return ref.includes('@') ? canonicalEmail(ref) : null;
}

/** The records a reference names: the id as given, or the CRM's records with that email (read with `fields`). */
export async function recordsByRef(session: CrmSession, objectType: ObjectType, ref: string, fields: string[]): Promise<{ email: string | null; contacts: CrmContact[] }> {
  const email = emailOfRef(ref);
  if (email) return { email, contacts: await session.findByEmail(objectType, email, fields) };
  return { email: null, contacts: await session.read(objectType, [ref], fields) };
}
