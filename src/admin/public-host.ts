// The Connect trap: the admin page opened on one local name (127.0.0.1) while PUBLIC_URL names another
// (localhost). The CRM sends the browser back to PUBLIC_URL, where this login does not exist (cookies are per
// host), and Chrome's form-action blocks the redirect outright: nothing happened, with no message. Only local
// names are compared — behind a reverse proxy the Host header may legitimately differ from PUBLIC_URL.
import type { Request } from 'express';

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A message for the admin when this request's host would lose the OAuth round trip; undefined when it is fine. */
export function connectHostProblem(req: Request, publicUrl: string): string | undefined {
  const pub = new URL(publicUrl);
  const host = req.get('host');
  if (!host) return undefined;
  let here: URL;
  try {
    here = new URL(`${pub.protocol}//${host}`);
  } catch {
    return undefined;
  }
  if (!LOCAL.has(here.hostname) || !LOCAL.has(pub.hostname) || here.host === pub.host) return undefined;
  return `This page is open on ${here.host}, but PUBLIC_URL is ${pub.origin}: the CRM sends you back there, where you are not logged in. Open ${pub.origin}/admin/connections and connect from there (or set PUBLIC_URL to http://${here.host}).`;
}
