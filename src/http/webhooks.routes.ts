// Webhook intake: find the endpoint's connection (Salesforce: by the secret in the path, before reading a byte of
// the body) → let the CRM's connector verify and parse the raw bytes → enqueue under a deterministic key →
// answer at once, in the form the CRM expects (the connector writes it). Nothing here calls a CRM or a provider,
// and nothing here knows a CRM's payloads.
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Queue } from '../jobs/queue.js';
import type { ConnectionRow, ConnectionsRepo } from '../db/connections.repo.js';
import type { Logger } from '../lib/logger.js';
import { CONTACT_ENRICH, contactJobKey } from '../sync/handlers.js';
import { OUTBOUND_MESSAGE_PATH } from '../sync/outbound-endpoint.js';
import type { Connector, CrmKind, InboundOutcome, InboundRecord } from '../../connectors/types.js';
import { notFound } from './errors.js';

export interface WebhookDeps {
  queue: Queue;
  connections: ConnectionsRepo;
  connectors: Record<CrmKind, Pick<Connector, 'inbound'>>;
  log: Logger;
  publicUrl: string;
  now: () => number;
  /** Called after jobs were queued (wakes the worker). */
  onQueued?: () => void;
}

const connectionOf = new WeakMap<Request, ConnectionRow>();

export function webhookRoutes(deps: WebhookDeps): Router {
  const r = Router();

  function answer(res: Response, crm: CrmKind, outcome: InboundOutcome): void {
    const reply = deps.connectors[crm].inbound.reply(outcome);
    res.status(reply.status).type(reply.contentType).send(reply.body);
  }

  /**
   * Refuses an announced body larger than the CRM ever sends before reading it. (Node then discards the unread
   * bytes without parsing them, so the client still gets its answer; the request timeout bounds how long.)
   */
  const capped = (crm: CrmKind): RequestHandler => (req, res, next) => {
    const max = deps.connectors[crm].inbound.maxBodyBytes;
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > max) return answer(res, crm, { ok: false, status: 413, reason: `body larger than ${max} bytes` });
    next();
  };
  const raw = (crm: CrmKind) => express.raw({ type: () => true, limit: deps.connectors[crm].inbound.maxBodyBytes });

  async function intake(crm: CrmKind, req: Request, res: Response, fixed: ConnectionRow | undefined): Promise<void> {
    const parsed = deps.connectors[crm].inbound.parse({
      method: req.method,
      // Signatures cover the URL the CRM called: our public URL plus the path and query as received.
      url: deps.publicUrl + req.originalUrl,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      header: (name) => req.get(name),
      now: deps.now(),
    });
    if (!parsed.ok) {
      deps.log.warn({ crm, reason: parsed.reason }, 'webhook delivery refused');
      return answer(res, crm, parsed);
    }
    if (fixed && parsed.records.some((rec) => rec.externalId !== fixed.external_id)) {
      deps.log.warn({ crm, connection: fixed.id }, 'delivery on a connection endpoint names another portal / org; refused');
      return answer(res, crm, { ok: false, status: 403, reason: 'the message is not from the organization of this endpoint' });
    }
    const items = [];
    const unknown = new Set<string>();
    // One lookup per portal / org, not per record (a batch usually comes from one).
    const byExternal = new Map<string, ConnectionRow | undefined>();
    const lookup = (rec: InboundRecord) => {
      if (fixed) return fixed;
      if (!byExternal.has(rec.externalId)) byExternal.set(rec.externalId, deps.connections.byExternalId(crm, rec.externalId));
      return byExternal.get(rec.externalId);
    };
    for (const rec of parsed.records) {
      const conn = lookup(rec);
      if (!conn || conn.status === 'disconnected') {
        unknown.add(rec.externalId);
        continue;
      }
      items.push({
        name: CONTACT_ENRICH,
        payload: { objectType: rec.objectType, contactId: rec.id, source: deps.connectors[crm].inbound.source },
        opts: { connectionId: conn.id, dedupeKey: contactJobKey(conn.id, rec.objectType, rec.id) },
      });
    }
    const { created, duplicates } = await deps.queue.enqueueMany(items);
    if (unknown.size) deps.log.warn({ crm, external: [...unknown] }, 'deliveries for portals / orgs that are not connected were acknowledged and dropped');
    if (created) deps.onQueued?.();
    answer(res, crm, { ok: true, received: parsed.received, queued: created, duplicates, skipped: parsed.skipped });
  }

  r.post('/webhooks/hubspot', capped('hubspot'), raw('hubspot'), (req, res) => intake('hubspot', req, res, undefined));

  // Each Salesforce connection has its own endpoint: the secret in the path is checked first, so an unknown
  // caller gets the same 404 as any unknown path, and its body is neither read nor parsed.
  r.post(
    `${OUTBOUND_MESSAGE_PATH}/:token`,
    (req, res, next) => {
      const conn = deps.connections.byInboundToken(String(req.params.token ?? ''));
      if (!conn || conn.crm !== 'salesforce' || conn.status === 'disconnected') return notFound(req, res, next);
      connectionOf.set(req, conn);
      next();
    },
    capped('salesforce'),
    raw('salesforce'),
    (req, res) => intake('salesforce', req, res, connectionOf.get(req)),
  );
  return r;
}
