// Tiny HTTP plumbing: the handler result type and response builders.
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeRequest } from './types.js';

export interface HttpResult {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Ctx {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  /** the request-log entry; handlers fill in kind, soql, countsTowardLimit, ... */
  log: FakeRequest;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: JSON.stringify(value),
  };
}

export function xml(status: number, text: string): HttpResult {
  return { status, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: text };
}

export function noContent(): HttpResult {
  return { status: 204 };
}

export function header(ctx: Ctx, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Bearer / OAuth token from the Authorization header */
export function bearer(ctx: Ctx): string | undefined {
  const h = header(ctx, 'authorization');
  if (!h) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(h.trim());
  return m?.[1];
}

export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}
