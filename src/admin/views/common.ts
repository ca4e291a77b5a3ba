// Small pieces shared by the admin views.
import { html, type Html, type Interpolation } from '../html.js';

const STATUS_TEXT: Record<string, string> = {
  connected: 'connected',
  reconnect_needed: 'reconnect needed',
  paused: 'paused',
  disconnected: 'disconnected',
};

export function statusBadge(status: string): Html {
  return html`<span class="badge ${status}">${STATUS_TEXT[status] ?? status}</span>`;
}

export function crmName(crm: string | null | undefined): string {
  return crm === 'hubspot' ? 'HubSpot' : crm === 'salesforce' ? 'Salesforce' : (crm ?? '—');
}

/**
 * A table that scrolls sideways on a phone instead of breaking the layout; with `stack`, each row becomes a block
 * (label: value) on a phone instead.
 */
export function table(caption: string, head: Interpolation, rows: Interpolation, opts: { empty?: string; visibleCaption?: boolean; stack?: boolean } = {}): Html {
  const hasRows = Array.isArray(rows) ? rows.length > 0 : Boolean(rows);
  if (!hasRows) return html`<p class="muted">${opts.empty ?? 'Nothing yet.'}</p>`;
  return html`<div class="table-wrap"><table${opts.stack ? html` class="stack"` : ''}>
    <caption${opts.visibleCaption ? '' : html` class="sr-only"`}>${caption}</caption>
    <thead><tr>${head}</tr></thead>
    <tbody>${rows}</tbody>
  </table></div>`;
}

export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}
