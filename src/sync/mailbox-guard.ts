// Mailboxes that are not a person: role and shared addresses (info@, sales@, noreply@ …) and disposable-email
// domains. Enriching them burns credits on a profile that cannot exist (or, worse, on whoever the provider
// guesses), so the pipeline skips them before any provider call. The lists are maintained packages: the
// role prefixes of `role-based-email-addresses` (Mixmax) and the domains of `disposable-email-domains-js`
// (the community disposable-email-domains list); a connection can add its own role names.
import { createRequire } from 'node:module';
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';

const require = createRequire(import.meta.url);

export type MailboxReason = 'role_mailbox' | 'disposable_email';

/** "no-reply", "no_reply" and "noreply" are one name. */
const squash = (s: string) => s.replace(/[._-]/g, '');

let roles: ReadonlySet<string> | undefined;
let disposable: ReadonlySet<string> | undefined;

/** The packages' lists, loaded once (they are static data) and only when first needed. */
function lists(): { roles: ReadonlySet<string>; disposable: ReadonlySet<string> } {
  roles ??= new Set((require('role-based-email-addresses') as string[]).map((r) => squash(r.toLowerCase())));
  disposable ??= disposableEmailBlocklistSet();
  return { roles, disposable };
}

/** Why an email is not a person's own mailbox, or null. `extraRoles` are the connection's own role names. */
export function mailboxKind(email: string | null, extraRoles: readonly string[] = []): MailboxReason | null {
  if (!email) return null;
  const addr = email.trim().toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at <= 0) return null;
  const local = squash(addr.slice(0, at).replace(/\+.*$/, ''));
  const domain = addr.slice(at + 1).replace(/\.$/, '');
  const l = lists();
  if (l.roles.has(local) || extraRoles.some((r) => squash(r) === local)) return 'role_mailbox';
  // A subdomain of a disposable domain is disposable too (x.mailinator.com).
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (l.disposable.has(labels.slice(i).join('.'))) return 'disposable_email';
  return null;
}
