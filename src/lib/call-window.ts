// The arithmetic of a shared sliding window of CRM calls (the CallWindowStore port of connectors/types.ts), used by
// the database repository (src/db/call-windows.repo.ts) and by the in-memory stores below, so both count alike.
// A window holds at most `max` slots; a slot is held from its take until its end (`until`, epoch ms), which the
// caller moves to "settled + windowMs" when the request is answered. A window therefore never admits more than
// `max` calls in any span of windowMs measured from their settle times: a true sliding window, not a fixed one.

/** [slot id, held until (epoch ms)]. */
export type HeldSlot = [string, number];

export interface CallWindowState {
  slots: HeldSlot[];
  pausedUntil: number;
}

export const emptyWindow = (): CallWindowState => ({ slots: [], pausedUntil: 0 });

/** The stored JSON of a window's slots; anything unreadable counts as no slot. */
export function parseSlots(json: string): HeldSlot[] {
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return [];
    return v.filter((s): s is HeldSlot => Array.isArray(s) && typeof s[0] === 'string' && typeof s[1] === 'number' && Number.isFinite(s[1]));
  } catch {
    return [];
  }
}

/** Takes `slot` when the window has room at `now` (waitMs 0), else says how long until it may have (waitMs > 0).
 * Expired slots are dropped either way. */
export function takeSlot(state: CallWindowState, slot: string, max: number, now: number, holdUntil: number): { waitMs: number; state: CallWindowState } {
  const slots = state.slots.filter((s) => s[1] > now);
  const pausedUntil = state.pausedUntil > now ? state.pausedUntil : 0;
  if (pausedUntil > now) return { waitMs: pausedUntil - now, state: { slots, pausedUntil } };
  if (slots.length >= Math.max(1, max)) {
    // The k-th earliest end frees enough room (after a smaller `max`, several must go).
    const ends = slots.map((s) => s[1]).sort((a, b) => a - b);
    const freeAt = ends[slots.length - Math.max(1, max)] ?? now + 1;
    return { waitMs: Math.max(1, freeAt - now), state: { slots, pausedUntil } };
  }
  return { waitMs: 0, state: { slots: [...slots, [slot, Math.max(holdUntil, now + 1)]], pausedUntil } };
}

export function releaseSlot(state: CallWindowState, slot: string, until: number): CallWindowState {
  return { ...state, slots: state.slots.map((s): HeldSlot => (s[0] === slot ? [s[0], until] : s)) };
}

export function pauseWindow(state: CallWindowState, until: number): CallWindowState {
  return { ...state, pausedUntil: Math.max(state.pausedUntil, until) };
}

/** The CallWindowStore port in memory (one process): for connector tests and as the reference of the repository. */
export function createMemoryCallWindowStore() {
  const windows = new Map<string, CallWindowState>();
  const get = (key: string) => windows.get(key) ?? emptyWindow();
  return {
    take(key: string, slot: string, max: number, now: number, holdUntil: number): number {
      const r = takeSlot(get(key), slot, max, now, holdUntil);
      windows.set(key, r.state);
      return r.waitMs;
    },
    release(key: string, slot: string, until: number): void {
      const w = windows.get(key);
      if (w) windows.set(key, releaseSlot(w, slot, until));
    },
    pause(key: string, until: number): void {
      windows.set(key, pauseWindow(get(key), until));
    },
  };
}

/** The ApiUsageStore port in memory: the newest reading per key. */
export function createMemoryApiUsageStore() {
  const readings = new Map<string, { used: number; limit: number; at: number }>();
  return {
    load(key: string): { used: number; limit: number; at: number } | null {
      const r = readings.get(key);
      return r ? { ...r } : null;
    },
    save(key: string, reading: { used: number; limit: number; at: number }): void {
      const prev = readings.get(key);
      if (!prev || reading.at >= prev.at) readings.set(key, { used: reading.used, limit: reading.limit, at: reading.at });
    },
  };
}
