// Retry intent lives in the error type (after Inngest); one pure classifier turns any error into a decision
// (after Nango), used by the job worker and the CRM clients alike.

/** Never retry: the input or the configuration is wrong, retrying cannot help. */
export class NonRetryableError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
    this.code = code;
  }
}

/** Retry, but not before waitMs (rate limits, locked rows, 5xx with advice). */
export class RetryAfterError extends Error {
  readonly code: string;
  readonly waitMs: number;
  constructor(code: string, message: string, waitMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryAfterError';
    this.code = code;
    this.waitMs = Math.max(0, Math.round(waitMs));
  }
}

/** The CRM refused our credentials for good (revoked, uninstalled): the connection needs a new install. */
export class ReauthRequiredError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReauthRequiredError';
    this.code = code;
  }
}

/** An API budget is used up for a while (Salesforce daily allocation): park the work, do not count an attempt. */
export class BudgetExhaustedError extends Error {
  readonly waitMs: number;
  constructor(message: string, waitMs: number) {
    super(message);
    this.name = 'BudgetExhaustedError';
    this.waitMs = waitMs;
  }
}

export interface RetryDecision {
  retry: boolean;
  reason: string;
  /** Minimum wait before the next attempt, when the error says so. */
  waitMs?: number;
  reauth?: boolean;
  /** The attempt should not count toward the attempt limit (budget pauses, rate limits). */
  free?: boolean;
}

const TRANSIENT_NET = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR',
]);

/**
 * PostgreSQL SQLSTATEs (node-pg's `err.code`) that a later attempt can cure: the transaction lost a serialisation or
 * deadlock race, a lock or statement timed out, or the server went away or is full. The value is the retry reason.
 */
export const PG_TRANSIENT_CODES: ReadonlyMap<string, 'db_busy' | 'db_unavailable'> = new Map([
  ['40001', 'db_busy'], // serialization_failure
  ['40P01', 'db_busy'], // deadlock_detected
  ['55P03', 'db_busy'], // lock_not_available
  ['57014', 'db_busy'], // query_canceled (statement_timeout, lock_timeout)
  ['57P01', 'db_unavailable'], // admin_shutdown
  ['08006', 'db_unavailable'], // connection_failure
  ['08003', 'db_unavailable'], // connection_does_not_exist
  ['08001', 'db_unavailable'], // sqlclient_unable_to_establish_sqlconnection
  ['53300', 'db_unavailable'], // too_many_connections
]);

/** The retry reason of a transient PostgreSQL error (its SQLSTATE on the error or a cause), or undefined. */
export function pgTransientReason(err: unknown): 'db_busy' | 'db_unavailable' | undefined {
  const code = errorCode(err);
  return code === undefined ? undefined : PG_TRANSIENT_CODES.get(code);
}

/**
 * Whether the database refused for now rather than for good: SQLite busy or locked past busy_timeout, or a transient
 * PostgreSQL error. The HTTP layer answers 503 with Retry-After for these.
 */
export function isTransientDbError(err: unknown): boolean {
  const code = errorCode(err);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
  return pgTransientReason(err) !== undefined;
}

export function classifyError(err: unknown): RetryDecision {
  if (err instanceof ReauthRequiredError) return { retry: false, reauth: true, reason: err.code };
  if (err instanceof NonRetryableError) return { retry: false, reason: err.code };
  if (err instanceof BudgetExhaustedError) return { retry: true, reason: 'budget_exhausted', waitMs: err.waitMs, free: true };
  if (err instanceof RetryAfterError) {
    const free = err.code === 'rate_limited';
    return { retry: true, reason: err.code, waitMs: err.waitMs, free };
  }
  const code = errorCode(err);
  if (code && TRANSIENT_NET.has(code)) return { retry: true, reason: `network_${code.toLowerCase()}` };
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return { retry: true, reason: 'timeout' };
  if (err instanceof Error && /SQLITE_BUSY|database is locked/i.test(err.message)) return { retry: true, reason: 'db_busy' };
  const pgReason = pgTransientReason(err);
  if (pgReason) return { retry: true, reason: pgReason };
  // Unknown errors are retried a bounded number of times: a bug shows up as a dead job, not a lost contact.
  return { retry: true, reason: 'unexpected' };
}

/** The first string `code` on an error or its chain of causes (undici hides ECONNRESET & co. in `cause`). */
export function errorCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((err as { cause?: unknown }).cause, depth + 1);
}

/** Exponential backoff with full jitter, floored by what the error asked for. */
export function backoffMs(attempt: number, opts: { baseMs?: number; maxMs?: number; minMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 15 * 60_000;
  const exp = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + (opts.random ?? Math.random)() * (exp / 2);
  return Math.max(opts.minMs ?? 0, Math.round(jittered));
}
