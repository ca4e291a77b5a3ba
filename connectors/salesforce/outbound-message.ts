// Outbound Message (SOAP 1.1 POST from a Salesforce flow/workflow) → the records it names. No jsforce here. The
// route has already matched the connection's own endpoint secret before any of this runs; it then checks that
// OrganizationId is that connection's org. Work is bounded before the XML parser sees anything: the body size,
// the number of elements and their depth are checked by a linear scan first.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { InboundChannel } from '../types.js';

export interface OutboundNotification {
  /** Notification id: Salesforce may deliver one several times, dedupe on it. */
  id: string;
  objectType: 'contact' | 'lead';
  recordId: string;
  /** The fields the Outbound Message was configured to send, as text (empty and nil fields left out). */
  fields: Record<string, string>;
}

export interface OutboundMessage {
  organizationId: string;
  actionId: string | null;
  notifications: OutboundNotification[];
}

export type ParsedOutboundMessage = { ok: true; message: OutboundMessage } | { ok: false; reason: string };

/**
 * Salesforce sends at most 100 notifications per message; one Contact with a few dozen fields is 2-3 KB of XML,
 * so 256 KiB leaves room for wide field lists while keeping a hostile body small.
 */
export const MAX_BYTES = 256 * 1024;
const MAX_NOTIFICATIONS = 100;
/** Envelope/Body/notifications/Notification/sObject/field is depth 6. */
const MAX_DEPTH = 16;
/**
 * 100 notifications × (Notification, Id, sObject, Id and up to 25 fields). Parsing is synchronous and costs tens
 * of microseconds per element, so this bound is what keeps one message from holding the event loop: a holder of
 * the endpoint secret can make us parse at most this much per request.
 */
const MAX_ELEMENTS = 3_000;
const ID_RE = /^[a-zA-Z0-9]{15,18}$/;
const TYPES: Record<string, { objectType: 'contact' | 'lead'; prefix: string }> = {
  Contact: { objectType: 'contact', prefix: '003' },
  Lead: { objectType: 'lead', prefix: '00Q' },
};

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // No entity expansion at all (the predefined five are decoded below, by hand); DOCTYPEs are refused before this.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => name === 'Notification',
});

const ACK =
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>' +
  '</soapenv:Body></soapenv:Envelope>';

/** The answer Salesforce needs to stop redelivering; one Ack covers every notification of the message. */
export function outboundAck(): string {
  return ACK;
}

export function parseOutboundMessage(xml: string): ParsedOutboundMessage {
  if (Buffer.byteLength(xml, 'utf8') > MAX_BYTES) return fail(`message larger than ${MAX_BYTES / 1024} KiB`);
  // SOAP 1.1 forbids DTDs in messages; refusing them outright rules out entity-expansion and XXE tricks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return fail('DOCTYPE and ENTITY declarations are not allowed');
  if (xml.trim() === '') return fail('empty body');
  const shape = boundedShape(xml);
  if (shape) return fail(shape);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return fail(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (e) {
    return fail(`malformed XML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const notifications = path(doc, ['Envelope', 'Body', 'notifications']);
  if (!isObject(notifications)) return fail('not an Outbound Message: no soapenv:Envelope/Body/notifications');
  const organizationId = text(notifications['OrganizationId']);
  if (!organizationId || !ID_RE.test(organizationId) || !organizationId.startsWith('00D')) return fail('missing or invalid OrganizationId');
  const actionRaw = text(notifications['ActionId']);
  if (actionRaw !== null && !ID_RE.test(actionRaw)) return fail('invalid ActionId');
  const list = notifications['Notification'];
  if (!Array.isArray(list) || list.length === 0) return fail('no Notification elements');
  if (list.length > MAX_NOTIFICATIONS) return fail(`more than ${MAX_NOTIFICATIONS} notifications`);
  const out: OutboundNotification[] = [];
  for (const [i, n] of list.entries()) {
    const parsed = parseNotification(n);
    if ('reason' in parsed) return fail(`notification ${i + 1}: ${parsed.reason}`);
    out.push(parsed);
  }
  return { ok: true, message: { organizationId, actionId: actionRaw, notifications: out } };
}

/**
 * One pass over the tags (no allocation per element): refuses documents nested deeper than MAX_DEPTH or with
 * more than MAX_ELEMENTS elements before the validator and the parser build anything. Malformed markup is left
 * to the validator; this only bounds the work.
 */
function boundedShape(xml: string): string | null {
  let depth = 0;
  let elements = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    const next = xml.charCodeAt(i + 1);
    const end = xml.indexOf('>', i + 1);
    if (end === -1) break;
    if (next === 0x2f /* / */) depth--;
    else if (next !== 0x3f /* ? */ && next !== 0x21 /* ! */) {
      if (++elements > MAX_ELEMENTS) return `more than ${MAX_ELEMENTS} elements`;
      if (xml.charCodeAt(end - 1) !== 0x2f && ++depth > MAX_DEPTH) return `elements nested deeper than ${MAX_DEPTH}`;
    }
    i = xml.indexOf('<', end + 1);
  }
  return null;
}

const SOAP_CT = 'text/xml; charset=utf-8';

function soapFault(code: 'Client' | 'Server', message: string): string {
  const esc = message.replace(/[<&>]/g, (c) => ({ '<': '&lt;', '&': '&amp;', '>': '&gt;' })[c]!);
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${esc}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

/** The Outbound Message channel: Ack once queued, a SOAP fault (which Salesforce retries) otherwise. */
export function createOutboundChannel(): InboundChannel {
  return {
    source: 'outbound_message',
    maxBodyBytes: MAX_BYTES,
    parse(req) {
      const parsed = parseOutboundMessage(req.rawBody.toString('utf8'));
      if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
      const { organizationId, notifications } = parsed.message;
      const records = notifications.map((n) => ({ externalId: organizationId, objectType: n.objectType, id: n.recordId }));
      return { ok: true, records, received: notifications.length, skipped: 0 };
    },
    reply(o) {
      if (o.ok) return { status: 200, contentType: SOAP_CT, body: outboundAck() };
      return { status: o.status, contentType: SOAP_CT, body: soapFault(o.status >= 500 ? 'Server' : 'Client', o.reason) };
    },
  };
}

function parseNotification(n: unknown): OutboundNotification | { reason: string } {
  if (!isObject(n)) return { reason: 'not an element' };
  const id = text(n['Id']);
  if (!id || !ID_RE.test(id)) return { reason: 'missing or invalid notification Id' };
  const sObject = n['sObject'];
  if (!isObject(sObject)) return { reason: 'missing sObject' };
  const typeName = (text(sObject['@_type']) ?? '').replace(/^.*:/, '');
  const type = TYPES[typeName];
  if (!type) return { reason: `sObject type ${JSON.stringify(typeName.slice(0, 80))} is not Contact or Lead` };
  const recordId = text(sObject['Id']);
  if (!recordId || !ID_RE.test(recordId) || !recordId.startsWith(type.prefix)) return { reason: `missing or invalid ${typeName} Id` };
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(sObject)) {
    if (key.startsWith('@_') || key === 'Id') continue;
    const v = text(value);
    if (v !== null && v !== '') fields[key] = v;
  }
  return { id, objectType: type.objectType, recordId, fields };
}

function path(doc: unknown, keys: string[]): unknown {
  let cur = doc;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Element text with the predefined XML entities decoded; nil or structured elements → null. */
function text(v: unknown): string | null {
  if (typeof v === 'string') return decodeEntities(v);
  if (isObject(v)) {
    if (v['@_nil'] === 'true') return null;
    const t = v['#text'];
    return typeof t === 'string' ? decodeEntities(t) : null;
  }
  return null;
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (m, name: string) => {
    if (name === 'lt') return '<';
    if (name === 'gt') return '>';
    if (name === 'amp') return '&';
    if (name === 'quot') return '"';
    if (name === 'apos') return "'";
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
