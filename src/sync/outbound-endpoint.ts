// Every Salesforce connection receives Outbound Messages on its own URL, /webhooks/salesforce/<secret>: Outbound
// Messages carry no signature and an org id is no secret, so the unguessable path is what tells us the sender
// is the org we connected. The secret (32 random bytes) is stored hashed for the lookup and encrypted for the
// admin page, created at install and rotatable (the old URL stops working at once).
import type { ConnectionRow, ConnectionsRepo } from '../db/connections.repo.js';

export const OUTBOUND_MESSAGE_PATH = '/webhooks/salesforce';

export function createOutboundEndpoints(deps: { connections: ConnectionsRepo; publicUrl: string }) {
  const urlOf = (token: string) => `${deps.publicUrl}${OUTBOUND_MESSAGE_PATH}/${token}`;
  return {
    /** The connection's Outbound Message URL (Salesforce only; null for other CRMs). */
    url(conn: Pick<ConnectionRow, 'id' | 'crm'>): string | null {
      return conn.crm === 'salesforce' ? urlOf(deps.connections.inboundToken(conn.id)) : null;
    },
    /** A new secret; returns the new URL. */
    rotate(conn: Pick<ConnectionRow, 'id' | 'crm'>): string {
      if (conn.crm !== 'salesforce') throw new Error('only Salesforce connections receive Outbound Messages');
      return urlOf(deps.connections.rotateInboundToken(conn.id));
    },
  };
}
export type OutboundEndpoints = ReturnType<typeof createOutboundEndpoints>;
