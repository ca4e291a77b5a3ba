// The per-connection settings of the guarantees: the wrong-person guard, extra role mailboxes, and job-change
// monitoring (re-check interval and monthly budget). They live in the connection's settings JSON (`guards`) beside
// the mapping; every field has a default, so settings saved before these existed parse unchanged.
import { z } from 'zod';

export const DEFAULT_RECHECK_DAYS = 30;

export const GuardSettingsShape = {
  /** Do not write a profile whose name clearly contradicts the CRM record's own name. */
  nameGuard: z.boolean().default(true),
  /** Local parts treated as role mailboxes on top of the maintained list ("events", "partners"). */
  roleMailboxes: z
    .array(z.string().trim().toLowerCase().regex(/^[a-z0-9._+-]{1,64}$/, 'a mailbox name is letters, digits and . _ + -'))
    .max(200)
    .default([]),
  /** A job-changes run re-checks a contact once its last check is this many days old. */
  recheckDays: z.number().int().min(1).max(3650).default(DEFAULT_RECHECK_DAYS),
  /** Credits job-changes runs may spend per calendar month (UTC); 0 = no budget. */
  monitoringBudget: z.number().int().min(0).max(100_000_000).default(0),
};

export const GuardSettings = z.object(GuardSettingsShape);
export type GuardSettings = z.infer<typeof GuardSettings>;

/** A connection's guard settings, defaults filled in. */
export function guardsOf(settings: { guards?: GuardSettings | undefined }): GuardSettings {
  return settings.guards ?? GuardSettings.parse({});
}
