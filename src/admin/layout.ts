// The HTML shell of every admin page: skip link, navigation, flash message, logout form.
import { html, type Html } from './html.js';

export type NavKey = 'dashboard' | 'connections' | 'job-changes' | 'contacts' | 'schedules' | 'credits' | 'activity' | 'api-keys';

export interface Flash {
  kind: 'ok' | 'error';
  message: string;
  details?: string[];
}

const NAV: { key: NavKey; href: string; label: string }[] = [
  { key: 'dashboard', href: '/admin', label: 'Dashboard' },
  { key: 'connections', href: '/admin/connections', label: 'Connections' },
  { key: 'job-changes', href: '/admin/job-changes', label: 'Job changes' },
  { key: 'contacts', href: '/admin/contacts', label: 'Contacts' },
  { key: 'schedules', href: '/admin/schedules', label: 'Schedules' },
  { key: 'credits', href: '/admin/credits', label: 'Credits' },
  { key: 'activity', href: '/admin/activity', label: 'Activity' },
  { key: 'api-keys', href: '/admin/api-keys', label: 'API keys' },
];

export interface PageOptions {
  title: string;
  body: Html;
  /** Absent on the login page: no navigation, no logout. */
  nav?: NavKey;
  csrf?: string;
  flash?: Flash | null;
}

export function flashBox(flash: Flash | null | undefined): Html {
  if (!flash) return html``;
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">
    ${flash.message}
    ${flash.details?.length ? html`<ul>${flash.details.map((d) => html`<li>${d}</li>`)}</ul>` : ''}
  </div>`;
}

/** The CSRF token as a hidden field: every form of the admin pages carries it. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function page(o: PageOptions): string {
  const header = o.nav
    ? html`<header class="top"><div class="bar">
        <a class="brand" href="/admin">crm-enrich</a>
        <nav aria-label="Admin sections"><ul>
          ${NAV.map((n) => html`<li><a href="${n.href}"${n.key === o.nav ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
        </ul></nav>
        ${o.csrf ? html`<form method="post" action="/admin/logout">${csrfField(o.csrf)}<button type="submit">Log out</button></form>` : ''}
      </div></header>`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · crm-enrich admin</title>
<link rel="stylesheet" href="/admin/assets/admin.css">
<script src="/admin/assets/admin.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main" tabindex="-1">
${flashBox(o.flash)}
${o.body}
</main>
</body>
</html>`.value;
}
