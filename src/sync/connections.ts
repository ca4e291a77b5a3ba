// Operations on one connection — pause, resume, disconnect, delete, a re-authorisation note, a settings save —
// in one place, so the admin pages, the command line and the worker change a connection the same way: the same
// checks, the same status reasons, the same cache invalidation.
import type { ConnectionsRepo, ConnectionRow } from '../db/connections.repo.js';
import type { Connector, CrmKind } from '../../connectors/types.js';
import { ReauthRequiredError } from '../lib/errors.js';
import { scrub, type Logger } from '../lib/logger.js';
import type { ContextRegistry } from './context.js';
import type { ConnectionSettings } from './mapping.js';
import type { GuardSettings } from './guard-settings.js';

/** Who asked: goes into the status reason shown beside the connection ("paused from the admin page"). */
export type Actor = 'the admin page' | 'the command line';

/** The operation was refused (unknown connection, wrong status); the message is a sentence for a person. */
export class ConnectionOpError extends Error {
  readonly code: 'not_found' | 'wrong_status';
  constructor(code: 'not_found' | 'wrong_status', message: string) {
    super(message);
    this.name = 'ConnectionOpError';
    this.code = code;
  }
}

export interface ConnectionServiceDeps {
  connections: ConnectionsRepo;
  connectors: Record<CrmKind, Pick<Connector, 'revoke'>>;
  registry: Pick<ContextRegistry, 'invalidate'>;
  log: Logger;
}

/** An error as one sentence fit for a status reason or a page: token-like text scrubbed, bounded. */
export function reasonOf(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err)).slice(0, 500);
}

export function createConnectionService(deps: ConnectionServiceDeps) {
  const { connections, log } = deps;

  function markReauthNeeded(id: string, reason: string): void {
    connections.setStatus(id, 'reconnect_needed', reason);
    log.warn({ connection: id, reason }, 'connection needs to be reconnected; its jobs wait');
  }

  function find(id: string): ConnectionRow {
    const row = connections.get(id);
    if (!row) throw new ConnectionOpError('not_found', `No connection "${id}".`);
    return row;
  }

  return {
    pause(id: string, by: Actor): void {
      const conn = find(id);
      if (conn.status !== 'connected') throw new ConnectionOpError('wrong_status', 'Only a connected CRM can be paused.');
      connections.setStatus(conn.id, 'paused', `paused from ${by}`);
      log.info({ connection: conn.id, by }, 'connection paused');
    },

    resume(id: string, by: Actor): void {
      const conn = find(id);
      if (conn.status !== 'paused') throw new ConnectionOpError('wrong_status', 'Only a paused connection can be resumed.');
      connections.setStatus(conn.id, 'connected');
      log.info({ connection: conn.id, by }, 'connection resumed');
    },

    /**
     * Revokes the CRM grant where the CRM allows it, forgets the tokens and marks the connection disconnected. The
     * local side is cut even when the revocation fails: `revokeProblem` then says why, for the caller to show.
     */
    async disconnect(id: string, by: Actor): Promise<{ conn: ConnectionRow; revokeProblem: string | null }> {
      const conn = find(id);
      if (conn.status === 'disconnected') throw new ConnectionOpError('wrong_status', 'Already disconnected.');
      let revokeProblem: string | null = null;
      try {
        const tokens = connections.tokens(conn.id);
        if (tokens.refreshToken || tokens.accessToken) await deps.connectors[conn.crm].revoke(tokens);
      } catch (err) {
        // The tokens are forgotten below either way, so nothing here can use them again.
        revokeProblem = reasonOf(err);
        log.warn({ err, connection: conn.id }, 'token revocation failed at disconnect');
      }
      connections.saveTokens(conn.id, { accessToken: '', refreshToken: '', expiresAt: null });
      connections.setStatus(conn.id, 'disconnected', `disconnected from ${by}`);
      deps.registry.invalidate(conn.id);
      log.info({ connection: conn.id, by, revoked: revokeProblem === null }, 'connection disconnected');
      return { conn, revokeProblem };
    },

    /** Deletes a disconnected connection and its history. */
    delete(id: string): ConnectionRow {
      const conn = find(id);
      if (conn.status !== 'disconnected') throw new ConnectionOpError('wrong_status', 'Disconnect the connection before deleting it.');
      connections.delete(conn.id);
      deps.registry.invalidate(conn.id);
      return conn;
    },

    /** The CRM refused our grant for good: the connection waits for a new install and its jobs wait with it. */
    markReauthNeeded,

    /** A CRM call that failed because the grant is gone marks the connection, as the worker does; other errors do not. */
    noteReauth(id: string, err: unknown): void {
      if (err instanceof ReauthRequiredError) markReauthNeeded(id, reasonOf(err));
    },

    /** Stores validated settings; the cached context of the connection is rebuilt on its next use. */
    saveSettings(id: string, settings: ConnectionSettings): void {
      // The mapping form does not carry the guarantees' settings: a mapping save keeps the stored ones.
      const stored = settings.guards === undefined ? (JSON.parse(find(id).settings_json) as { guards?: unknown }).guards : undefined;
      connections.setSettings(id, JSON.stringify(stored === undefined ? settings : { ...settings, guards: stored }));
      deps.registry.invalidate(id);
    },

    /** Stores a connection's guard settings (guard-settings.ts), keeping its mapping. */
    saveGuards(id: string, guards: GuardSettings): void {
      const settings = JSON.parse(find(id).settings_json) as Record<string, unknown>;
      connections.setSettings(id, JSON.stringify({ ...settings, guards }));
      deps.registry.invalidate(id);
    },
  };
}
export type ConnectionService = ReturnType<typeof createConnectionService>;
