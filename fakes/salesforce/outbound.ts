// Outbound Messages: the SOAP 1.1 notification Salesforce POSTs to a listener.
import { escapeXml, toIsoZ } from './util.js';

export interface OutboundNotification {
  /** the notification id (04l…): listeners dedupe on it */
  id: string;
  sObject: { type: 'Contact' | 'Lead'; Id: string; [field: string]: unknown };
}

export interface OutboundMessageOptions {
  orgId: string;
  /** the workflow/flow action id (04k…) */
  actionId?: string;
  /** null/undefined → `<SessionId xsi:nil="true"/>` (the "Send Session ID" box unchecked) */
  sessionId?: string | null;
  enterpriseUrl?: string;
  partnerUrl?: string;
  notifications: OutboundNotification[];
}

export const OUTBOUND_NS = 'http://soap.sforce.com/2005/09/outbound';
const MAX_NOTIFICATIONS = 100;

function fieldValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(v) ? toIsoZ(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The SOAP XML Salesforce POSTs for an Outbound Message (up to 100 notifications). Null/undefined
 * fields are left out, as Salesforce does for empty fields. */
export function buildOutboundMessage(opts: OutboundMessageOptions): string {
  if (opts.notifications.length === 0) throw new Error('buildOutboundMessage: at least one notification is required');
  if (opts.notifications.length > MAX_NOTIFICATIONS) {
    throw new Error(`buildOutboundMessage: at most ${MAX_NOTIFICATIONS} notifications per message`);
  }
  const org15 = opts.orgId.slice(0, 15);
  const enterpriseUrl = opts.enterpriseUrl ?? `https://example.my.salesforce.com/services/Soap/c/62.0/${org15}`;
  const partnerUrl = opts.partnerUrl ?? enterpriseUrl.replace('/Soap/c/', '/Soap/u/');
  const actionId = opts.actionId ?? '04k000000000001AAA';
  const session = opts.sessionId ? `<SessionId>${escapeXml(opts.sessionId)}</SessionId>` : '<SessionId xsi:nil="true"/>';
  const notifications = opts.notifications
    .map((n) => {
      const { type, Id, ...rest } = n.sObject;
      const fields = [`<sf:Id>${escapeXml(Id)}</sf:Id>`];
      for (const [k, v] of Object.entries(rest)) {
        const s = fieldValue(v);
        if (s !== null) fields.push(`<sf:${k}>${escapeXml(s)}</sf:${k}>`);
      }
      return (
        ` <Notification>\n  <Id>${escapeXml(n.id)}</Id>\n` +
        `  <sObject xsi:type="sf:${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\n   ${fields.join('\n   ')}\n  </sObject>\n </Notification>`
      );
    })
    .join('\n');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
    ' <soapenv:Body>\n' +
    `  <notifications xmlns="${OUTBOUND_NS}">\n` +
    `   <OrganizationId>${escapeXml(opts.orgId)}</OrganizationId>\n` +
    `   <ActionId>${escapeXml(actionId)}</ActionId>\n` +
    `   ${session}\n` +
    `   <EnterpriseUrl>${escapeXml(enterpriseUrl)}</EnterpriseUrl>\n` +
    `   <PartnerUrl>${escapeXml(partnerUrl)}</PartnerUrl>\n` +
    `${notifications}\n` +
    '  </notifications>\n' +
    ' </soapenv:Body>\n' +
    '</soapenv:Envelope>\n'
  );
}

/** true when a listener's answer is the SOAP `<Ack>true</Ack>` Salesforce requires */
export function isAck(status: number, body: string): boolean {
  return status >= 200 && status < 300 && /<(?:\w+:)?Ack>\s*true\s*<\/(?:\w+:)?Ack>/.test(body);
}
