// The Outbound Message parser on hand-written SOAP, shaped like what Salesforce sends: nil and typed fields,
// entities, the exact reasons given for each refusal, and the limits. Found by npm run mutate -- outbound.
import { describe, expect, it } from 'vitest';
import { MAX_BYTES, parseOutboundMessage } from '../../connectors/salesforce/outbound-message.js';

const ORG = '00D000000000001AAA';

function envelope(notifications: string, opts: { org?: string; action?: string | null } = {}): string {
  const action = opts.action === null ? '' : `<ActionId>${opts.action ?? '04k000000000001AAA'}</ActionId>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${opts.org ?? ORG}</OrganizationId>
   ${action}
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00D000000000001</EnterpriseUrl>
   ${notifications}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;
}

const notification = (id: string, type: string, recordId: string, fields = '') =>
  `<Notification><Id>${id}</Id><sObject xsi:type="sf:${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${recordId}</sf:Id>${fields}</sObject></Notification>`;

const parse = (xml: string) => {
  const r = parseOutboundMessage(xml);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.message;
};
const reason = (xml: string) => {
  const r = parseOutboundMessage(xml);
  if (r.ok) throw new Error('expected a refusal');
  return r.reason;
};

describe('parseOutboundMessage on Salesforce-shaped SOAP', () => {
  it('when fields are nil, empty, typed or escaped, then nil and empty ones are left out and the rest decoded', () => {
    const fields =
      '<sf:Email>ada@example.com</sf:Email><sf:Title xsi:nil="true"/><sf:Phone></sf:Phone><sf:MobilePhone xsi:nil="false">+44 20</sf:MobilePhone>' +
      '<sf:Company xsi:type="xsd:string">R&amp;D &lt;Labs&gt; &quot;X&quot; &apos;Y&apos;</sf:Company>' +
      '<sf:City>Z&#252;rich &#xE9;t&#xe9; &#128512;</sf:City><sf:Street>&#0; &#x110000; &bogus;</sf:Street><sf:Note>&amp;lt;</sf:Note>';
    const m = parse(envelope(notification('04l000000000001AAA', 'Contact', '003000000000001AAA', fields)));
    expect(m).toEqual({
      organizationId: ORG,
      actionId: '04k000000000001AAA',
      notifications: [
        {
          id: '04l000000000001AAA',
          objectType: 'contact',
          recordId: '003000000000001AAA',
          fields: {
            Email: 'ada@example.com',
            MobilePhone: '+44 20',
            Company: 'R&D <Labs> "X" \'Y\'',
            City: 'Zürich été 😀',
            // Out-of-range and unknown references stay as text; decoding happens once.
            Street: '&#0; &#x110000; &bogus;',
            Note: '&lt;',
          },
        },
      ],
    });
  });

  it('when there is no ActionId, then the message is accepted with actionId null; a malformed one is refused', () => {
    expect(parse(envelope(notification('04l000000000001AAA', 'Lead', '00Q000000000001AAA'), { action: null })).actionId).toBeNull();
    expect(reason(envelope(notification('04l000000000001AAA', 'Lead', '00Q000000000001AAA'), { action: 'x' }))).toBe('invalid ActionId');
  });

  it('when a type is prefixed or not, then Contact and Lead are recognised by their local name', () => {
    const plain = envelope(notification('04l000000000001AAA', 'Lead', '00Q000000000001AAA')).replace('xsi:type="sf:Lead"', 'xsi:type="Lead"');
    expect(parse(plain).notifications[0]!.objectType).toBe('lead');
    const nested = envelope(notification('04l000000000001AAA', 'Lead', '00Q000000000001AAA')).replace('xsi:type="sf:Lead"', 'xsi:type="a:b:Lead"');
    expect(parse(nested).notifications[0]!.objectType).toBe('lead');
    const prefixOnly = envelope(notification('04l000000000001AAA', 'Lead', '00Q000000000001AAA')).replace('xsi:type="sf:Lead"', 'xsi:type="sf:Leads"');
    expect(reason(prefixOnly)).toBe('notification 1: sObject type "Leads" is not Contact or Lead');
  });

  it('names the notification and the reason of each refusal', () => {
    const good = notification('04l000000000001AAA', 'Contact', '003000000000001AAA');
    expect(reason(envelope(`${good}${notification('bad', 'Contact', '003000000000002AAA')}`))).toBe('notification 2: missing or invalid notification Id');
    expect(reason(envelope(`${good}<Notification><Id>04l000000000002AAA</Id></Notification>`))).toBe('notification 2: missing sObject');
    expect(reason(envelope(`<Notification>text</Notification>`))).toBe('notification 1: not an element');
    expect(reason(envelope(`<Notification><Id></Id><sObject/></Notification>`))).toBe('notification 1: missing or invalid notification Id');
    expect(reason(envelope(notification('04l000000000001AAA', 'Contact', '')))).toBe('notification 1: missing or invalid Contact Id');
    expect(reason(envelope(notification('04l000000000001AAA', 'Contact', '003-not-an-id!!')))).toBe('notification 1: missing or invalid Contact Id');
    expect(reason(envelope(''))).toBe('no Notification elements');
    expect(reason(envelope(good, { org: '001000000000001AAA' }))).toBe('missing or invalid OrganizationId');
    expect(reason(envelope(good, { org: '' }))).toBe('missing or invalid OrganizationId');
    expect(reason('   \n ')).toBe('empty body');
    expect(reason('<a>')).toMatch(/^malformed XML: /);
  });

  it('when a message is exactly 256 KiB, then it is parsed; one byte more is refused', () => {
    const base = envelope(notification('04l000000000001AAA', 'Contact', '003000000000001AAA'));
    const padded = base + ' '.repeat(MAX_BYTES - Buffer.byteLength(base));
    expect(parse(padded).notifications).toHaveLength(1);
    expect(reason(`${padded} `)).toBe('message larger than 256 KiB');
    // Bytes, not characters: 3-byte characters count three times.
    const wide = base.replace('</notifications>', `<!--${'€'.repeat(Math.ceil(MAX_BYTES / 3))}--></notifications>`);
    expect(wide.length).toBeLessThan(MAX_BYTES);
    expect(reason(wide)).toBe('message larger than 256 KiB');
  });
});
