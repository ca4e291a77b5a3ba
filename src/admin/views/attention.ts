// The dashboard's "Needs attention" list and, with no CRM connected yet, its getting-started block.
import type { AttentionAction, AttentionItem } from '../attention.js';
import type { CrmKind } from '../../../connectors/types.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';
import { crmName } from './common.js';

function actionHtml(a: AttentionAction, csrf: string): Html {
  if (a.kind === 'link') return html`<a class="button secondary" href="${a.href}">${a.label}</a>`;
  return html`<form method="post" action="${a.action}" class="inline">${csrfField(csrf)}${Object.entries(a.fields).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<button type="submit">${a.label}</button></form>`;
}

export function attentionView(items: readonly AttentionItem[], csrf: string): Html {
  return html`<section id="attention" aria-labelledby="attention-title">
    <h2 id="attention-title">Needs attention</h2>
    ${items.length
      ? html`<ul class="attention">${items.map(
          (i) => html`<li class="attention-item ${i.severity}" data-kind="${i.kind}">
            <p><strong>${i.message}</strong>${i.detail ? html`<br><span class="muted">${i.detail}</span>` : ''}</p>
            <div class="actions">${i.actions.map((a) => actionHtml(a, csrf))}</div>
          </li>`,
        )}</ul>`
      : html`<p class="muted" id="attention-none">Nothing needs attention: connections are live, no job is dead, no account is near its credit limit.</p>`}
  </section>`;
}

export interface SetupState {
  connectors: { crm: CrmKind; configured: boolean; reason: string | null }[];
  providers: number;
  apiKeys: number;
  csrf: string;
}

/** What a newcomer sees instead of empty tables: the two connect buttons and the few steps that make it work. */
export function gettingStartedView(s: SetupState): Html {
  const step = (done: boolean, text: Html | string) =>
    html`<li class="${done ? 'done' : 'todo'}"><span class="sr-only">${done ? 'Done: ' : 'To do: '}</span><span aria-hidden="true">${done ? '✓' : '○'}</span> ${text}</li>`;
  return html`<section id="getting-started" aria-labelledby="start-title">
    <h2 id="start-title">Get started</h2>
    <p>No CRM is connected yet. Connect one: contacts it creates are enriched and written back, and job changes become tasks.</p>
    <div class="grid2">${s.connectors.map(
      (c) => html`<form method="post" action="/admin/connections/connect" class="card">
        ${csrfField(s.csrf)}<input type="hidden" name="crm" value="${c.crm}">
        <button type="submit"${c.configured ? '' : html` disabled aria-describedby="start-reason-${c.crm}"`}>Connect ${crmName(c.crm)}</button>
        ${c.reason ? html`<p class="hint" id="start-reason-${c.crm}">${c.reason}</p>` : ''}
      </form>`,
    )}</div>
    <h3>Setup checklist</h3>
    <ol class="checklist">
      ${step(s.providers > 0, html`An enrichment provider: import a dataset or set <code>PDL_API_KEY</code> / <code>APOLLO_API_KEY</code>.`)}
      ${step(s.connectors.some((c) => c.configured), html`A CRM app configured: the client id and secret of HubSpot or Salesforce (see the README).`)}
      ${step(false, 'Connect the CRM with a button above.')}
      ${step(false, html`Check the <a href="/admin/connections">field mapping</a> with a dry run, and the <a href="/admin/schedules">schedules</a>.`)}
      ${step(s.apiKeys > 0, html`For the enrichment API: <a href="/admin/api-keys">create an API key</a>.`)}
    </ol>
  </section>`;
}
