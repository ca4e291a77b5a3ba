// Job-change detection for a contact we enrich again (pure): the company we saw last time against the one the
// provider reports now. Companies compare by their normalised key, so "Acme Inc" and "Acme, Inc." are the same
// employer and never become a task for the owner.
import type { Profile } from '../enrichment/contract.js';
import { companyKey } from '../enrichment/normalize.js';
import { DAY_MS } from '../lib/clock.js';
import type { JobChangeValues } from './mapping.js';

/** What we remember of a contact from its last enrichment (a subset of the snapshot row). */
export interface LastSeen {
  found: number;
  company: string | null;
  title: string | null;
  job_change_flagged_at: number | null;
}

export interface JobChangeDecision {
  /** Values for the job-change fields; null leaves them as they are. */
  values: JobChangeValues | null;
  /** Write `recent_job_change = false`: the flag we set has expired. */
  clear: boolean;
  /** A change to record (and to create a task for), or null. */
  change: { previous_company: string | null; previous_title: string | null } | null;
  /** When the current flag was raised (kept in the snapshot), or null when no flag stands. */
  flaggedAt: number | null;
}

export interface JobChangeOptions {
  now: number;
  windowDays: number;
  /** Clear a flag once it is older than the window. */
  clearFlags: boolean;
}

/**
 * First enrichment: the flag mirrors the profile. Later: a different company than the one we last saw is a job
 * change; a flag older than the window is cleared; otherwise the job-change fields are left alone.
 */
export function decideJobChange(profile: Profile, last: LastSeen | undefined, opts: JobChangeOptions): JobChangeDecision {
  const { now } = opts;
  if (!last || last.found === 0 || !last.company) {
    const flag = profile.recent_job_change;
    return {
      values: {
        recent_job_change: flag,
        job_change_date: flag ? profile.job_change_date : null,
        previous_company: flag ? profile.previous_company : null,
        previous_title: flag ? profile.previous_title : null,
      },
      clear: false,
      change: null,
      flaggedAt: flag ? now : null,
    };
  }
  const moved = profile.company !== null && companyKey(profile.company) !== companyKey(last.company);
  if (moved) {
    const date = profile.job_change_date ?? new Date(now).toISOString().slice(0, 10);
    return {
      values: { recent_job_change: true, job_change_date: date, previous_company: last.company, previous_title: last.title },
      clear: false,
      change: { previous_company: last.company, previous_title: last.title },
      flaggedAt: now,
    };
  }
  const expired = last.job_change_flagged_at !== null && now - last.job_change_flagged_at > opts.windowDays * DAY_MS;
  const clear = opts.clearFlags && expired;
  return { values: null, clear, change: null, flaggedAt: clear ? null : last.job_change_flagged_at };
}
