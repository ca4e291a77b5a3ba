// The pure pieces of the inbox, the alerts and the contact view: CRM record links, the alert URL rule and the
// way it is shown, what a contact search names, the inbox's query strings.
import { describe, expect, it } from 'vitest';
import { recordUrl } from '../../src/sync/record-links.js';
import { AlertUrl } from '../../src/sync/alerts.js';
import { urlHint } from '../../src/db/alerts.repo.js';
import { parseContactQuery } from '../../src/admin/contacts.routes.js';
import { inboxQuery } from '../../src/admin/views/job-changes.js';
import { RecordRef, emailOfRef } from '../../src/sync/record-ref.js';
import { runIdOfKey } from '../../src/db/contact-history.repo.js';

describe('record links', () => {
  it('when the CRM is HubSpot, then the link names the portal and the contact', () => {
    expect(recordUrl('hubspot', { externalId: '4242', instanceUrl: null, objectType: 'contact', id: '101' })).toBe('https://app.hubspot.com/contacts/4242/record/0-1/101');
  });
  it('when the CRM is Salesforce, then the link is on the instance URL, per object type, and absent without one', () => {
    const base = { externalId: '00D1', instanceUrl: 'https://acme.my.salesforce.com/', id: '003AAA' };
    expect(recordUrl('salesforce', { ...base, objectType: 'contact' })).toBe('https://acme.my.salesforce.com/lightning/r/Contact/003AAA/view');
    expect(recordUrl('salesforce', { ...base, objectType: 'lead' })).toBe('https://acme.my.salesforce.com/lightning/r/Lead/003AAA/view');
    expect(recordUrl('salesforce', { ...base, instanceUrl: null, objectType: 'contact' })).toBeNull();
    expect(recordUrl('salesforce', { ...base, instanceUrl: 'javascript:alert(1)', objectType: 'contact' })).toBeNull();
    expect(recordUrl('salesforce', { ...base, instanceUrl: 'not a url', objectType: 'contact' })).toBeNull();
  });
});

describe('the alert URL', () => {
  it('when it is http(s) without credentials, then it is accepted (trimmed); anything else is refused', () => {
    expect(AlertUrl.parse(' https://hooks.slack.com/services/T0/B0/x ')).toBe('https://hooks.slack.com/services/T0/B0/x');
    expect(AlertUrl.safeParse('http://127.0.0.1:8080/hook').success).toBe(true);
    for (const bad of ['ftp://x.example/a', 'javascript:alert(1)', 'file:///etc/passwd', 'https://u:p@x.example/', 'hooks.slack.com/x', '', `https://x.example/${'a'.repeat(2000)}`]) {
      expect(AlertUrl.safeParse(bad).success, bad).toBe(false);
    }
  });
  it('when it is shown, then only the host and the start of the path are', () => {
    expect(urlHint('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com/services/T0…');
    expect(urlHint('https://example.com/hook')).toBe('https://example.com/hook');
  });
});

describe('a contact search', () => {
  it('when given an email, a LinkedIn URL or an id, then it names that; anything else is refused', () => {
    expect(parseContactQuery(' Jane.Doe@Acme.COM ')).toEqual({ email: 'jane.doe@acme.com' });
    expect(parseContactQuery('https://www.linkedin.com/in/jane-doe/')).toMatchObject({ linkedinUrl: expect.stringContaining('linkedin.com/in/jane-doe') });
    expect(parseContactQuery('0035g00000ABCdE')).toEqual({ id: '0035g00000ABCdE' });
    for (const bad of ['not an id!', 'a@', 'https://example.com/in/x', "1' OR 1=1", 'x'.repeat(65)]) expect(parseContactQuery(bad), bad).toBeNull();
  });
  it('when a record is named for enrichment, then an id or an email is accepted, and only the email is looked up', () => {
    expect(RecordRef.safeParse('12345').success).toBe(true);
    expect(RecordRef.safeParse('Jane@Acme.com').success).toBe(true);
    expect(RecordRef.safeParse('12 345').success).toBe(false);
    expect(emailOfRef('Jane@Acme.com')).toBe('jane@acme.com');
    expect(emailOfRef('12345')).toBeNull();
  });
  it('when a ledger key belongs to a run, then its run id is read from it', () => {
    expect(runIdOfKey('run:run_abc:contact:101')).toBe('run_abc');
    expect(runIdOfKey('job:17:contact:101')).toBeNull();
    expect(runIdOfKey(null)).toBeNull();
  });
});

describe('the inbox query string', () => {
  it('when filters are set, then only those are in it, and page 1 is implied', () => {
    expect(inboxQuery({})).toBe('');
    expect(inboxQuery({ connection: 'con_1', from: '2026-01-01', to: '', run: '', page: 1 })).toBe('?connection=con_1&from=2026-01-01');
    expect(inboxQuery({ run: 'run_x', page: 3 })).toBe('?run=run_x&page=3');
  });
});
