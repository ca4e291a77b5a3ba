// The CRM call limits in the database, so every service node on it calls a HubSpot portal or a Salesforce org as
// one: the sliding windows of HubSpot calls (crm_call_windows, one row per window with its held slots as JSON)
// and the last known Salesforce API usage (crm_api_usage). Each take/release/pause is one short IMMEDIATE
// transaction reading and rewriting one row; the window arithmetic is src/lib/call-window.ts.
import type { ApiUsageReading, ApiUsageStore, CallWindowStore } from '../../connectors/types.js';
import { emptyWindow, parseSlots, pauseWindow, releaseSlot, takeSlot, type CallWindowState } from '../lib/call-window.js';
import type { Db } from './open.js';

// Both engines answer BIGINT columns as numbers (the PostgreSQL engine parses int8).
interface WindowRow {
  slots: string;
  paused_until: number;
}

interface UsageRow {
  used: number;
  limit_count: number;
  observed_at: number;
}

export function createCallWindowsRepo(db: Db): CallWindowStore {
  const get = db.prepare<[string], WindowRow>('SELECT slots, paused_until FROM crm_call_windows WHERE key = ?');
  const put = db.prepare(
    `INSERT INTO crm_call_windows (key, slots, paused_until, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET slots = excluded.slots, paused_until = excluded.paused_until, updated_at = excluded.updated_at`,
  );

  /** Reads the window, applies `fn` and writes the result back, in one IMMEDIATE transaction. */
  function update<T>(key: string, now: number, fn: (w: CallWindowState) => { state: CallWindowState; result: T }): T {
    return db
      .transaction(() => {
        const row = get.get(key);
        const before: CallWindowState = row ? { slots: parseSlots(row.slots), pausedUntil: row.paused_until } : emptyWindow();
        const { state, result } = fn(before);
        put.run(key, JSON.stringify(state.slots), Math.ceil(state.pausedUntil), Math.round(now));
        return result;
      })
      .immediate();
  }

  return {
    take(key, slot, max, now, holdUntil) {
      return update(key, now, (w) => {
        const r = takeSlot(w, slot, max, now, holdUntil);
        return { state: r.state, result: r.waitMs };
      });
    },
    release(key, slot, until) {
      update(key, Date.now(), (w) => ({ state: releaseSlot(w, slot, until), result: undefined }));
    },
    pause(key, until) {
      update(key, Date.now(), (w) => ({ state: pauseWindow(w, until), result: undefined }));
    },
  };
}

export function createApiUsageRepo(db: Db): ApiUsageStore {
  const get = db.prepare<[string], UsageRow>('SELECT used, limit_count, observed_at FROM crm_api_usage WHERE key = ?');
  // The newest reading wins: a node that read the header earlier but writes later does not roll usage back.
  const put = db.prepare(
    `INSERT INTO crm_api_usage (key, used, limit_count, observed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET used = excluded.used, limit_count = excluded.limit_count, observed_at = excluded.observed_at
     WHERE crm_api_usage.observed_at <= excluded.observed_at`,
  );
  return {
    load(key: string): ApiUsageReading | null {
      const row = get.get(key);
      return row ? { used: row.used, limit: row.limit_count, at: row.observed_at } : null;
    },
    save(key: string, r: ApiUsageReading): void {
      put.run(key, Math.round(r.used), Math.round(r.limit), Math.round(r.at));
    },
  };
}
