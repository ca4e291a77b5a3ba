// TokenStore on the connections table: encrypted at rest, refreshes single-flight inside the process and under a
// lease-based lock across processes (the server and a CLI sync may share one connection).
import type { ConnectionsRepo } from '../db/connections.repo.js';
import type { TokenSet, TokenStore } from '../../connectors/types.js';
import { sleep, type Clock } from '../lib/clock.js';

const LOCK_MS = 30_000;

export function createTokenStore(connectionId: string, repo: ConnectionsRepo, clock: Clock): TokenStore {
  let inflight: Promise<TokenSet> | undefined;
  return {
    load: () => repo.tokens(connectionId),
    save: (tokens) => repo.saveTokens(connectionId, tokens),
    withRefreshLock(refresh) {
      inflight ??= (async () => {
        const deadline = clock.now() + LOCK_MS;
        while (!repo.tryLock(connectionId, LOCK_MS, clock.now())) {
          if (clock.now() > deadline) throw new Error('timed out waiting for another process to refresh the token');
          await sleep(100);
        }
        try {
          const fresh = await refresh(repo.tokens(connectionId));
          repo.saveTokens(connectionId, fresh);
          return fresh;
        } finally {
          repo.unlock(connectionId);
        }
      })().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
}
