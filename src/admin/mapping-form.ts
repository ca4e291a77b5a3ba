// The mapping form: parse the posted rows, then check them against the CRM's real properties before anything is
// saved: the property exists, is writable, and can hold the source's values (a picklist must offer every value
// the source can take).
import { RecordRef } from '../sync/record-ref.js';
import { z } from 'zod';
import type { FieldDef, FieldType, ObjectType } from '../../connectors/types.js';
import { SENIORITY_LEVELS } from '../enrichment/contract.js';
import { ConnectionSettings, FieldMapping, type Source } from '../sync/mapping.js';
import type { MappingForm, MappingRowInput } from './views/mapping.js';

type Kind = 'text' | 'url' | 'number' | 'bool' | 'date' | 'datetime' | 'seniority';

const SOURCE_KIND: Record<Source, Kind> = {
  first_name: 'text', last_name: 'text', full_name: 'text', email: 'text', personal_email: 'text', mobile: 'text',
  linkedin_url: 'url', twitter_url: 'url', profile_picture: 'url', title: 'text', headline: 'text', department: 'text',
  seniority: 'seniority', company: 'text', company_domain: 'text', company_size: 'text', industry: 'text', location: 'text',
  city: 'text', region: 'text', country: 'text', country_code: 'text', skills: 'text', connections: 'number', followers: 'number',
  recent_job_change: 'bool', job_change_date: 'date', previous_company: 'text', previous_title: 'text',
  source_provider: 'text', confidence: 'number', enriched_at: 'datetime',
};

const TEXT_TARGETS: ReadonlySet<FieldType> = new Set(['string', 'textarea', 'phone', 'email']);

/** Why a property cannot take a source's values, or null when it can. */
export function incompatibility(source: Source, def: FieldDef): string | null {
  const kind = SOURCE_KIND[source];
  if (TEXT_TARGETS.has(def.type)) return null;
  switch (def.type) {
    case 'number':
      return kind === 'number' ? null : 'is a number property';
    case 'bool':
      return kind === 'bool' ? null : 'is a checkbox';
    case 'date':
    case 'datetime':
      return kind === 'date' || kind === 'datetime' ? null : `is a ${def.type} property`;
    case 'url':
      return kind === 'url' ? null : 'is a URL property';
    case 'enumeration': {
      const opts = def.options ?? [];
      const has = (v: string) => opts.some((o) => o.value.toLowerCase() === v.toLowerCase() || o.label.toLowerCase() === v.toLowerCase());
      const wanted = kind === 'seniority' ? [...SENIORITY_LEVELS] : kind === 'bool' ? ['true', 'false'] : null;
      if (!wanted) return 'is a picklist, and free-text values would rarely match its options';
      const lacking = wanted.filter((v) => !has(v));
      return lacking.length ? `is a picklist without the option${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}` : null;
    }
    default:
      return `is a ${def.type} property, which cannot be written`;
  }
}

const RowKey = /^m\.(\d{1,3})\.(objectType|source|target|policy|remove)$/;

/** The posted form as typed values, rows in index order; blank and removed rows are dropped. */
export function readMappingForm(body: Record<string, string>): MappingForm {
  const rows = new Map<number, Partial<Record<string, string>>>();
  for (const [k, v] of Object.entries(body)) {
    const m = RowKey.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const r = rows.get(i) ?? {};
    r[m[2]!] = v.trim();
    rows.set(i, r);
  }
  const out: MappingRowInput[] = [];
  for (const [, r] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    if (r.remove || (!r.source && !r.target)) continue;
    out.push({ objectType: r.objectType === 'lead' ? 'lead' : 'contact', source: r.source ?? '', target: r.target ?? '', policy: r.policy ?? '' });
  }
  return {
    rows: out,
    minConfidence: (body.minConfidence ?? '').trim(),
    createTasks: body.createTasks === '1',
    clearJobChangeFlags: body.clearJobChangeFlags === '1',
  };
}

export type FieldLookup = (objectType: ObjectType) => Promise<ReadonlyMap<string, FieldDef>>;

/** Settings ready to store, or the problems, each naming its row. */
export async function checkMapping(
  form: MappingForm,
  objectTypes: readonly ObjectType[],
  fields: FieldLookup,
): Promise<{ ok: true; settings: ConnectionSettings } | { ok: false; errors: string[] }> {
  const errors: string[] = [];
  const min = /^\d{1,3}$/.test(form.minConfidence) ? Number(form.minConfidence) : NaN;
  if (!(min >= 0 && min <= 100)) errors.push('Minimum confidence must be a whole number from 0 to 100.');
  const seen = new Map<string, number>();
  const mappings: FieldMapping[] = [];
  for (const [i, r] of form.rows.entries()) {
    const n = `Row ${i + 1}`;
    if (!r.source) {
      errors.push(`${n}: choose a profile field for ${r.target || 'this row'}.`);
      continue;
    }
    if (!r.target) {
      errors.push(`${n}: choose a CRM property for ${r.source}.`);
      continue;
    }
    const parsed = FieldMapping.safeParse(r);
    if (!parsed.success) {
      errors.push(`${n}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'value'} ${x.message}`).join('; ')}.`);
      continue;
    }
    const m = parsed.data;
    if (!objectTypes.includes(m.objectType)) {
      errors.push(`${n}: this CRM has no ${m.objectType} object.`);
      continue;
    }
    const key = `${m.objectType}:${m.target}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(`${n}: ${m.target} is already mapped in row ${first}; a property takes one profile field.`);
      continue;
    }
    seen.set(key, i + 1);
    mappings.push(m);
    if (m.policy === 'never') continue; // writes nothing, so whatever the property is, it is harmless
    let defs: ReadonlyMap<string, FieldDef>;
    try {
      defs = await fields(m.objectType);
    } catch (err) {
      return { ok: false, errors: [`Could not read the ${m.objectType} properties from the CRM: ${err instanceof Error ? err.message : String(err)}`] };
    }
    const def = defs.get(m.target);
    if (!def) {
      errors.push(`${n}: ${m.target} is not a ${m.objectType} property in this CRM${/^enrichment_/i.test(m.target) ? ' (use “Reprovision fields” to create it)' : ''}.`);
    } else if (!def.updateable) {
      errors.push(`${n}: ${def.label} (${m.target}) is read-only.`);
    } else {
      const why = incompatibility(m.source, def);
      if (why) errors.push(`${n}: ${def.label} (${m.target}) ${why}, so it cannot take ${m.source}.`);
    }
  }
  if (errors.length) return { ok: false, errors };
  const settings = ConnectionSettings.safeParse({
    mappings,
    minConfidence: min,
    createTasks: form.createTasks,
    clearJobChangeFlags: form.clearJobChangeFlags,
  });
  return settings.success ? { ok: true, settings: settings.data } : { ok: false, errors: settings.error.issues.map((x) => x.message) };
}

/** The stored settings as form values. */
export function formOf(settings: ConnectionSettings): MappingForm {
  return {
    rows: settings.mappings.map((m) => ({ objectType: m.objectType, source: m.source, target: m.target, policy: m.policy })),
    minConfidence: String(settings.minConfidence),
    createTasks: settings.createTasks,
    clearJobChangeFlags: settings.clearJobChangeFlags,
  };
}

export const PreviewForm = z.object({
  objectType: z.enum(['contact', 'lead']),
  /** A record id, or an email the CRM's search resolves. */
  contactId: RecordRef,
});
