// Logs in to the admin pages over real HTTP (login form, its CSRF cookie, the password) and returns the Cookie
// header of the admin session, once per running service: installs and their callbacks need that session.
import { ADMIN_PASSWORD, type TestService } from './service.js';

const sessions = new WeakMap<TestService, Promise<string>>();

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

export async function loginAdmin(base: string, password = ADMIN_PASSWORD): Promise<string> {
  const form = await fetch(`${base}/admin/login`, { redirect: 'manual' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the login form');
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(form).join('; ') },
    body: new URLSearchParams({ _csrf: csrf, password, next: '/admin' }).toString(),
    redirect: 'manual',
  });
  const session = cookiesOf(res).find((c) => c.startsWith('crm_enrich_admin='));
  if (res.status !== 303 || !session) throw new Error(`admin login failed: ${res.status}`);
  return session;
}

/** The Cookie header of an admin session of this service (logged in on first use). */
export function adminCookie(t: TestService, password = ADMIN_PASSWORD): Promise<string> {
  let s = sessions.get(t);
  if (!s) {
    s = loginAdmin(t.url, password);
    sessions.set(t, s);
  }
  return s;
}
