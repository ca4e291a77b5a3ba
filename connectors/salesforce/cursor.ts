// Page cursors handed to the sync layer: the query locator Salesforce returned plus the key of the last record,
// so a locator that expired between pages (15 minutes idle, 10 open per user) can be replaced by a keyset query.
import { z } from 'zod';
import { NonRetryableError } from '../../src/lib/errors.js';

const CursorSchema = z.object({
  u: z.string().regex(/^\/services\/data\/v\d+\.\d\/query\/[A-Za-z0-9-]+$/),
  k: z.object({ id: z.string().regex(/^[a-zA-Z0-9]{15,18}$/), at: z.iso.datetime().optional() }),
});
export type Cursor = z.infer<typeof CursorSchema>;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    raw = null;
  }
  const parsed = CursorSchema.safeParse(raw);
  if (!parsed.success) throw new NonRetryableError('salesforce_bad_cursor', 'not a cursor issued by the Salesforce connector');
  return parsed.data;
}
