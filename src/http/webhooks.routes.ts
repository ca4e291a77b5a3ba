// Webhook intake: verify the raw bytes → find the tenant → enqueue under a deterministic key → answer at once.
// Nothing here calls a CRM or a provider.
import express, { Router } from 'express';
import type { Queue } from '../jobs/queue.js';
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { Logger } from '../lib/logger.js';
import { CONTACT_ENRICH, contactJobKey } from '../sync/handlers.js';
import { parseWebhookBatch, verifySignatureV3 } from '../../connectors/hubspot/webhook.js';
import { outboundAck, parseOutboundMessage } from '../../connectors/salesforce/outbound-message.js';

export interface WebhookDeps {
  queue: Queue;
  connections: ConnectionsRepo;
  log: Logger;
  publicUrl: string;
  hubspotClientSecret: string | undefined;
  now: () => number;
  /** Called after jobs were queued (wakes the worker). */
  onQueued?: () => void;
}

export function webhookRoutes(deps: WebhookDeps): Router {
  const r = Router();

  r.post('/webhooks/hubspot', express.raw({ type: () => true, limit: '2mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // The signature covers the URL HubSpot called: our public URL plus the path and query as received.
    const verdict = deps.hubspotClientSecret
      ? verifySignatureV3({
          clientSecret: deps.hubspotClientSecret,
          method: 'POST',
          url: deps.publicUrl + req.originalUrl,
          rawBody: raw,
          signature: req.get('x-hubspot-signature-v3'),
          timestamp: req.get('x-hubspot-request-timestamp'),
          now: deps.now(),
        })
      : ({ ok: false, reason: 'HubSpot is not configured' } as const);
    if (!verdict.ok) {
      deps.log.warn({ reason: verdict.reason }, 'HubSpot webhook rejected');
      res.status(401).json({ error: 'Unauthorized', message: 'invalid webhook signature' });
      return;
    }
    const parsed = parseWebhookBatch(raw);
    if (!parsed.ok) {
      res.status(400).json({ error: 'Bad Request', message: parsed.reason });
      return;
    }
    const items = [];
    let ignored = 0;
    const unknownPortals = new Set<number>();
    // One lookup per portal, not per event (a batch usually comes from one portal).
    const connections = new Map<number, ReturnType<ConnectionsRepo['byExternalId']>>();
    const connectionOf = (portalId: number) => {
      if (!connections.has(portalId)) connections.set(portalId, deps.connections.byExternalId('hubspot', String(portalId)));
      return connections.get(portalId);
    };
    for (const e of parsed.events) {
      // Only creations start an enrichment; our own writes fire propertyChange events, which are ignored (no loop).
      if (e.subscriptionType !== 'contact.creation' && e.subscriptionType !== 'object.creation') {
        ignored++;
        continue;
      }
      const conn = connectionOf(e.portalId);
      if (!conn || conn.status === 'disconnected') {
        unknownPortals.add(e.portalId);
        continue;
      }
      const contactId = String(e.objectId);
      items.push({
        name: CONTACT_ENRICH,
        payload: { objectType: 'contact', contactId, source: 'webhook' },
        opts: { connectionId: conn.id, dedupeKey: contactJobKey(conn.id, 'contact', contactId) },
      });
    }
    const { created, duplicates } = await deps.queue.enqueueMany(items);
    if (unknownPortals.size) deps.log.warn({ portals: [...unknownPortals] }, 'HubSpot events for portals that are not connected were acknowledged and dropped');
    if (created) deps.onQueued?.();
    res.status(200).json({ received: parsed.events.length, queued: created, duplicates, ignored });
  });

  r.post('/webhooks/salesforce', express.text({ type: () => true, limit: '2mb' }), async (req, res) => {
    const parsed = parseOutboundMessage(typeof req.body === 'string' ? req.body : '');
    if (!parsed.ok) {
      res.status(400).type('text/xml').send(soapFault('Client', parsed.reason));
      return;
    }
    const conn = deps.connections.byExternalId('salesforce', parsed.message.organizationId);
    if (!conn || conn.status === 'disconnected') {
      deps.log.warn({ org: parsed.message.organizationId }, 'Outbound Message from an org that is not connected was refused');
      res.status(403).type('text/xml').send(soapFault('Client', 'organization is not connected'));
      return;
    }
    const { created } = await deps.queue.enqueueMany(
      parsed.message.notifications.map((n) => ({
        name: CONTACT_ENRICH,
        payload: { objectType: n.objectType, contactId: n.recordId, source: 'outbound_message' },
        opts: { connectionId: conn.id, dedupeKey: contactJobKey(conn.id, n.objectType, n.recordId) },
      })),
    );
    if (created) deps.onQueued?.();
    res.status(200).type('text/xml').send(outboundAck());
  });
  return r;
}

function soapFault(code: string, message: string): string {
  const esc = message.replace(/[<&>]/g, (c) => ({ '<': '&lt;', '&': '&amp;', '>': '&gt;' })[c]!);
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${esc}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}
