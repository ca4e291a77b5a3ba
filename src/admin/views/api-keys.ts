// API keys: create (the key is shown once, on the page the POST redirects to, and never stored in clear), list, revoke.
import type { Account } from '../../db/accounts.repo.js';
import type { ApiKeyRow } from '../../db/api-keys.repo.js';
import { adminPath, html, time, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { table } from './common.js';

export function apiKeysView(o: { keys: (ApiKeyRow & { account_name: string })[]; accounts: Account[]; csrf: string; created?: { key: string; account: string } }): Html {
  return html`<h1>API keys</h1>
  ${o.created
    ? html`<div class="newkey" role="status" id="new-key-box">
        <p><strong>New key for ${o.created.account}.</strong> Copy it now: it is shown only this once (reloading this page will not show it again).</p>
        <code id="new-key">${o.created.key}</code>
        <button type="button" id="copy-key" class="secondary" hidden>Copy</button>
      </div>`
    : ''}
  <h2>Create a key</h2>
  <form method="post" action="/admin/api-keys" class="actions">
    ${csrfField(o.csrf)}
    <div class="field"><label for="key-account">Account</label>
      <input id="key-account" name="account" type="text" required maxlength="100" list="accounts" autocomplete="off" value="${o.accounts.length === 1 ? o.accounts[0]!.name : ''}">
      <datalist id="accounts">${o.accounts.map((a) => html`<option value="${a.name}"></option>`)}</datalist>
      <span class="hint">An existing account, or a new name to create one.</span></div>
    <div class="field"><label for="key-label">Label <span class="muted">(optional)</span></label>
      <input id="key-label" name="label" type="text" maxlength="100"></div>
    <div class="field"><button type="submit">Create key</button></div>
  </form>
  <h2>Keys</h2>
  ${table(
    'API keys',
    html`<th scope="col">Prefix</th><th scope="col">Account</th><th scope="col">Label</th><th scope="col">Created</th>
      <th scope="col">Last used</th><th scope="col">Status</th>`,
    o.keys.map(
      (k) => html`<tr data-key-prefix="${k.prefix}">
        <td><code>${k.prefix}…</code></td><td>${k.account_name}</td><td>${k.label ?? ''}</td>
        <td>${time(k.created_at)}</td><td>${time(k.last_used_at)}</td>
        <td>${k.revoked_at
          ? html`<span class="badge dead">revoked</span> ${time(k.revoked_at)}`
          : html`<form method="post" action="${adminPath('api-keys', k.id, 'revoke')}" class="inline" data-confirm="Revoke this key? Requests using it will get 401.">
              ${csrfField(o.csrf)}<button type="submit" class="danger" aria-label="Revoke key ${k.prefix}">Revoke</button></form>`}</td>
      </tr>`,
    ),
    { empty: 'No API key yet.' },
  )}`;
}
