// Outbound Message parsing (pure): payloads built by the Salesforce fake, hostile and malformed XML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundAck, parseOutboundMessage } from '../../connectors/salesforce/outbound-message.js';
import { buildOutboundMessage, isAck, startSalesforceFake, type SalesforceFake } from '../fakes/salesforce/index.js';

const ORG = '00D000000000001AAA';

function reason(xml: string): string {
  const r = parseOutboundMessage(xml);
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

describe('parseOutboundMessage', () => {
  let fake: SalesforceFake;
  beforeAll(async () => {
    fake = await startSalesforceFake({ orgId: ORG });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('when a message carries a Contact and a Lead, then both come out with their fields', () => {
    const c = fake.addRecord('Contact', { FirstName: 'Ada', LastName: 'Lovelace', Email: "o'brien@example.com", Title: 'R&D <Lead>' });
    const l = fake.addRecord('Lead', { LastName: 'Hopper', Company: 'Navy', Email: 'grace@example.com' });
    const contactXml = fake.outboundMessage('Contact', [c.Id], ['Email', 'Title', 'LastName']);
    const leadXml = fake.outboundMessage('Lead', [l.Id], ['Email', 'Company']);
    const cr = parseOutboundMessage(contactXml);
    const lr = parseOutboundMessage(leadXml);
    expect(cr.ok && lr.ok).toBe(true);
    if (!cr.ok || !lr.ok) return;
    expect(cr.message.organizationId).toBe(ORG);
    expect(cr.message.actionId).toBe('04k000000000001AAA');
    expect(cr.message.notifications).toHaveLength(1);
    expect(cr.message.notifications[0]).toMatchObject({
      objectType: 'contact',
      recordId: c.Id,
      fields: { Email: "o'brien@example.com", Title: 'R&D <Lead>', LastName: 'Lovelace' },
    });
    expect(cr.message.notifications[0]?.id).toMatch(/^04l/);
    expect(lr.message.notifications[0]).toMatchObject({ objectType: 'lead', recordId: l.Id, fields: { Company: 'Navy' } });
  });

  it('when the org is unknown, then parsing still succeeds and returns the org id for the caller to refuse', () => {
    const xml = buildOutboundMessage({ orgId: '00D0000000000ZZZAA', notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000009AAA' } }] });
    const r = parseOutboundMessage(xml);
    expect(r.ok && r.message.organizationId).toBe('00D0000000000ZZZAA');
  });

  it('takes up to 100 notifications in one message', () => {
    const notifications = Array.from({ length: 100 }, (_, i) => ({
      id: `04l0000000${String(i).padStart(5, '0')}AAA`,
      sObject: { type: 'Lead' as const, Id: `00Q0000000${String(i).padStart(5, '0')}AAA`, Email: `l${i}@example.com` },
    }));
    const r = parseOutboundMessage(buildOutboundMessage({ orgId: ORG, notifications }));
    expect(r.ok && r.message.notifications.length).toBe(100);
    const doubled = buildOutboundMessage({ orgId: ORG, notifications: notifications.slice(0, 60) });
    // 120 notifications: splice a second batch in by hand (the fake refuses to build >100)
    const body = doubled.slice(doubled.indexOf('<Notification>'), doubled.lastIndexOf('</Notification>') + '</Notification>'.length);
    expect(reason(doubled.replace('</notifications>', `${body}\n</notifications>`))).toMatch(/more than 100/);
  });

  it('refuses malformed XML, other envelopes, other object types and bad ids', () => {
    expect(reason('<soapenv:Envelope><soapenv:Body><notifications>')).toMatch(/malformed XML/);
    expect(reason('')).toMatch(/empty/);
    expect(reason('not xml at all')).toMatch(/malformed/);
    expect(reason('<?xml version="1.0"?><a><b>1</b></a>')).toMatch(/not an Outbound Message/);
    const account = buildOutboundMessage({ orgId: ORG, notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA' } }] }).replace(
      'sf:Contact',
      'sf:Account',
    );
    expect(reason(account)).toMatch(/"Account" is not Contact or Lead/);
    const wrongPrefix = buildOutboundMessage({ orgId: ORG, notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '00Q000000000001AAA' } }] });
    expect(reason(wrongPrefix)).toMatch(/invalid Contact Id/);
    const badOrg = buildOutboundMessage({ orgId: "00D' OR 1=1", notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA' } }] });
    expect(reason(badOrg)).toMatch(/OrganizationId/);
    expect(reason('x'.repeat(256 * 1024 + 1))).toMatch(/larger than 256 KiB/);
  });

  it('bounds the work before the parser: too many elements or too deep a nesting is refused by a linear scan', () => {
    const valid = buildOutboundMessage({ orgId: ORG, notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA', Title: 'x' } }] });
    const siblings = valid.replace('<sf:Title>x</sf:Title>', '<a/>'.repeat(60_000));
    expect(siblings.length).toBeLessThan(256 * 1024);
    expect(reason(siblings)).toMatch(/more than 3000 elements/);
    const deep = valid.replace('<sf:Title>x</sf:Title>', `${'<a>'.repeat(20)}x${'</a>'.repeat(20)}`);
    expect(reason(deep)).toMatch(/nested deeper than 16/);
    // A wide but legitimate message (100 notifications of 20 fields) passes.
    const wide = buildOutboundMessage({
      orgId: ORG,
      notifications: Array.from({ length: 100 }, (_, i) => ({
        id: `04l0000000${String(i).padStart(5, '0')}AAA`,
        sObject: { type: 'Contact', Id: `0030000000${String(i).padStart(5, '0')}AAA`, ...Object.fromEntries(Array.from({ length: 20 }, (_, f) => [`F${f}__c`, 'v'])) },
      })),
    });
    expect(parseOutboundMessage(wide).ok).toBe(true);
  });

  it('refuses DOCTYPE / ENTITY declarations (billion laughs, XXE)', () => {
    const valid = buildOutboundMessage({ orgId: ORG, notifications: [{ id: '04l000000000001AAA', sObject: { type: 'Contact', Id: '003000000000001AAA', Title: 'x' } }] });
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      valid.replace('<?xml version="1.0" encoding="UTF-8"?>', '').replace('<sf:Title>x</sf:Title>', '<sf:Title>&lol2;</sf:Title>');
    expect(reason(laughs)).toMatch(/DOCTYPE/);
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${valid.replace('<?xml version="1.0" encoding="UTF-8"?>', '')}`;
    expect(reason(xxe)).toMatch(/DOCTYPE/);
    // An undeclared entity reference stays inert text rather than being expanded.
    const inert = parseOutboundMessage(valid.replace('<sf:Title>x</sf:Title>', '<sf:Title>&lol2;</sf:Title>'));
    expect(inert.ok && inert.message.notifications[0]?.fields['Title']).toBe('&lol2;');
  });

  it('answers with the exact SOAP Ack Salesforce expects', () => {
    expect(outboundAck()).toBe(
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>',
    );
    expect(isAck(200, outboundAck())).toBe(true);
  });
});
