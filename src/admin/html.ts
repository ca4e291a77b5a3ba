// One way to build HTML: the `html` tagged template escapes every interpolation unless it is already Html, so
// a forgotten escape cannot happen. Attributes must always be quoted in templates (escaping covers quotes).
import { escapeHtml } from '../http/html.js';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(v: Interpolation): string {
  if (v instanceof Html) return v.value;
  // false / null / undefined render nothing, so `${cond && html`...`}` reads naturally; `true` likewise.
  if (v === null || v === undefined || typeof v === 'boolean') return '';
  if (Array.isArray(v)) return (v as readonly Interpolation[]).map(render).join('');
  return escapeHtml(v);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** `selected` / `checked` / `disabled` attributes. */
export function attr(name: string, on: boolean): Html {
  return new Html(on ? ` ${name}` : '');
}

/** A path under /admin with each segment URL-encoded. */
export function adminPath(...segments: (string | number)[]): string {
  return `/admin/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

const DATE_FMT = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hour12: false,
});

/** Times are shown in UTC, as the scheduler runs in UTC; the machine-readable value goes into <time datetime>. */
export function time(at: number | string | null | undefined): Html {
  if (at === null || at === undefined || at === '') return html`<span class="muted">never</span>`;
  const d = new Date(typeof at === 'number' ? at : Date.parse(at));
  if (Number.isNaN(d.getTime())) return html`${String(at)}`;
  return html`<time datetime="${d.toISOString()}">${DATE_FMT.format(d)} UTC</time>`;
}
