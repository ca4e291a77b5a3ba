import { describe, expect, it } from 'vitest';
import { mailboxKind } from '../../src/sync/mailbox-guard.js';

describe('mailboxKind', () => {
  it('when the local part is a role or shared mailbox, then it is role_mailbox', () => {
    for (const e of ['info@acme.com', 'SALES@acme.com', 'support@acme.io', 'noreply@acme.com', 'no-reply@acme.com', 'no_reply@acme.com', 'billing@acme.com', 'hello+web@acme.com']) {
      expect(mailboxKind(e), e).toBe('role_mailbox');
    }
  });

  it('when the domain is a disposable-email service (or a subdomain of one), then it is disposable_email', () => {
    for (const e of ['jane@mailinator.com', 'jane@10minutemail.com', 'jane@inbox.mailinator.com']) expect(mailboxKind(e), e).toBe('disposable_email');
  });

  it('when the address is a person at a real domain, then it is neither', () => {
    for (const e of ['jane.doe@acme.com', 'j.smith@gmail.com', 'infoman@acme.com', 'salesforce.admin.jane@acme.com', null, '', 'not-an-email']) {
      expect(mailboxKind(e), String(e)).toBeNull();
    }
  });

  it("when the connection adds its own role names, then they count too (in any case and separator)", () => {
    expect(mailboxKind('events-team@acme.com')).toBeNull();
    expect(mailboxKind('events-team@acme.com', ['events.team'])).toBe('role_mailbox');
    expect(mailboxKind('Partners@acme.com', ['partners'])).toBe('role_mailbox');
  });
});
