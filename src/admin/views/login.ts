// The login form (no session yet: its CSRF token is the double-submit login cookie).
import { html, type Html } from '../html.js';

export function loginView(o: { token: string; next: string; error?: string }): Html {
  return html`<div class="login">
    <h1>crm-enrich admin</h1>
    ${o.error ? html`<div class="flash error" role="alert">${o.error}</div>` : ''}
    <form method="post" action="/admin/login">
      <input type="hidden" name="_csrf" value="${o.token}">
      <input type="hidden" name="next" value="${o.next}">
      <div class="field">
        <label for="password">Admin password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
        <span class="hint">Set with ADMIN_PASSWORD, or printed once at the first start.</span>
      </div>
      <button type="submit">Log in</button>
    </form>
  </div>`;
}

export function lockedView(seconds: number): Html {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return html`<div class="login">
    <h1>Too many failed logins</h1>
    <p role="alert">Logins from this address are paused. Try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.</p>
  </div>`;
}
