// Shared HTTP plumbing for the upstream person-enrichment providers: one fetch bound to the caller's
// AbortSignal, transport failures turned into ProviderError codes, bodies parsed defensively.
// Status codes are NOT interpreted here: each provider owns its own status → error mapping.
import { ProviderError } from './types.js';

export interface JsonResponse {
  status: number;
  headers: Headers;
  /**
   * The parsed JSON body. For a non-2xx answer whose body is not JSON, the raw text instead (why: Apollo
   * answers 401 with text/plain, and that must still surface as `auth`, not as `bad_response`).
   * `null` when the body is empty on a non-2xx answer.
   */
  body: unknown;
}

/** Longest slice of an upstream error text we keep in a message (why: bodies can be whole HTML pages). */
const MAX_MESSAGE_CHARS = 200;

/**
 * GET/POST `url` and return `{ status, headers, body }`.
 * - the request is aborted with `signal`; an abort or timeout becomes ProviderError `timeout`;
 * - a connection failure (DNS, refused, reset, TLS) becomes ProviderError `network`;
 * - a 2xx body that is empty or not JSON becomes ProviderError `bad_response`.
 * Messages never include the URL or the request headers (why: keys and looked-up emails must stay out of logs).
 */
export async function fetchJson(
  provider: string,
  url: string,
  init: RequestInit,
  signal: AbortSignal,
  fetchImpl?: typeof fetch,
): Promise<JsonResponse> {
  let response: Response;
  let text: string;
  try {
    const request: RequestInit = { ...init, signal };
    // why: resolve the global at call time, so anything that patches fetch after import (nock) is honoured.
    response = fetchImpl ? await fetchImpl(url, request) : await globalThis.fetch(url, request);
    // The body is read inside the same try: the signal can also fire while the body streams in.
    text = await response.text();
  } catch (err) {
    throw transportError(provider, err, signal);
  }
  return { status: response.status, headers: response.headers, body: parseBody(provider, response.status, text) };
}

function transportError(provider: string, err: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted || isAbortError(err)) {
    return new ProviderError(provider, 'timeout', 'request timed out or was aborted', { cause: err });
  }
  return new ProviderError(provider, 'network', `network error: ${networkReason(err)}`, { cause: err });
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND …) in `cause`. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return 'request failed';
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : cause.message || err.message;
  }
  return err.message || 'request failed';
}

function parseBody(provider: string, status: number, text: string): unknown {
  const ok = status >= 200 && status < 300;
  if (text.trim() === '') {
    if (ok) throw new ProviderError(provider, 'bad_response', `empty body with HTTP ${status}`);
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (ok) throw new ProviderError(provider, 'bad_response', `body is not JSON (HTTP ${status})`, { cause: err });
    return text;
  }
}

/**
 * When a rate-limited provider may be called again, as epoch ms, from a header value that is either
 * - a number: epoch ms (> 1e12), epoch seconds (> 1e9) or a delay in seconds (anything smaller); or
 * - a date: ISO 8601 / RFC 7231 HTTP-date, or a zone-less "YYYY-MM-DD HH:MM:SS" read as UTC
 *   (why: PDL documents `x-ratelimit-reset` only as "a UTC timestamp" while its JS SDK reads it as a number).
 * Returns undefined when the header is absent or unreadable.
 */
export function parseRetryAt(value: string | null | undefined, nowMs: number): number | undefined {
  const raw = value?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    if (n > 1e12) return Math.round(n);
    if (n > 1e9) return Math.round(n * 1000);
    return nowMs + Math.round(n * 1000);
  }
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(raw);
  const ms = Date.parse(zoneless ? `${raw.replace(' ', 'T')}Z` : raw);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A short, safe description of an upstream error body for a ProviderError message: the provider's own
 * message when it has one (`error.message`, `message`, `error`, or a text body), with every secret redacted
 * (why: a provider that echoes the key back must not put it in our logs).
 */
export function upstreamMessage(body: unknown, secrets: readonly string[]): string {
  const message = pickMessage(body);
  if (!message) return '';
  let safe = message.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE_CHARS);
  for (const secret of secrets) if (secret) safe = safe.split(secret).join('[redacted]');
  return safe;
}

function pickMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (!isRecord(body)) return undefined;
  const error = body['error'];
  if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
  if (typeof body['message'] === 'string') return body['message'];
  if (typeof error === 'string') return error;
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `https://host/` + `/path` without a doubled slash, keeping any path prefix of the base URL (a proxy). */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
