// Our property group and properties on HubSpot contacts (docs/hubspot.md §4.1), created idempotently: read what the
// portal has, create what is missing, treat a 409 as "exists" (a concurrent install got there first) and report
// properties that exist with another type instead of touching them (a property's type is the customer's data).
import type { Logger } from '../../src/lib/logger.js';
import { SENIORITY_LEVELS } from '../../src/lib/seniority-levels.js';
import { NonRetryableError } from '../../src/lib/errors.js';
import type { ProvisionReport } from '../types.js';
import { HubSpotRequestError } from './call.js';
import type { HubSpotApi, PropertySpec } from './client.js';
import type { HsProperty } from './mappers.js';

export const GROUP = { name: 'enrichment', label: 'Enrichment' } as const;

const text = (name: string, label: string, description: string): PropertySpec => ({
  name,
  label,
  type: 'string',
  fieldType: 'text',
  groupName: GROUP.name,
  description,
});

export const ENRICHMENT_PROPERTIES: readonly PropertySpec[] = [
  {
    name: 'enrichment_seniority',
    label: 'Seniority (enriched)',
    type: 'enumeration',
    fieldType: 'select',
    groupName: GROUP.name,
    description: 'Seniority level derived from the job title by crm-enrich.',
    options: SENIORITY_LEVELS.map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
  },
  {
    name: 'enrichment_recent_job_change',
    label: 'Recent job change (enriched)',
    type: 'bool',
    fieldType: 'booleancheckbox',
    groupName: GROUP.name,
    description: 'Set by crm-enrich when the contact changed jobs recently.',
    // HubSpot wants the two options spelled out for bool properties.
    options: [
      { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
      { label: 'No', value: 'false', displayOrder: 1, hidden: false },
    ],
  },
  { name: 'enrichment_job_change_date', label: 'Job change date (enriched)', type: 'date', fieldType: 'date', groupName: GROUP.name, description: 'When the current job started, if it is a recent change.' },
  text('enrichment_previous_company', 'Previous company (enriched)', 'Company before the most recent job change.'),
  text('enrichment_previous_title', 'Previous title (enriched)', 'Job title before the most recent job change.'),
  text('enrichment_department', 'Department (enriched)', 'Department from the enrichment profile.'),
  text('enrichment_headline', 'Headline (enriched)', 'Professional headline from the enrichment profile.'),
  text('enrichment_company_size', 'Company size (enriched)', 'Company size band from the enrichment profile.'),
  text('enrichment_source', 'Enrichment source', 'The provider that supplied the enrichment data.'),
  { name: 'enrichment_confidence', label: 'Enrichment confidence', type: 'number', fieldType: 'number', groupName: GROUP.name, description: 'Match confidence of the enrichment, 0-100.' },
  { name: 'enrichment_enriched_at', label: 'Enriched at', type: 'datetime', fieldType: 'date', groupName: GROUP.name, description: 'When crm-enrich last enriched this contact.' },
];

const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Why an existing property cannot serve as ours, or null when it can. */
function incompatible(existing: HsProperty, spec: PropertySpec): string | null {
  if (existing.type !== spec.type) {
    return `exists as ${existing.type}/${existing.fieldType}, expected ${spec.type}/${spec.fieldType}; rename or delete it in HubSpot`;
  }
  if (existing.readOnlyValue || existing.calculated) return 'exists but its value is read-only (calculated)';
  return null;
}

export async function provisionProperties(api: HubSpotApi, log: Logger): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], existing: [], missing: [], warnings: [] };
  const missing = (name: string, reason: string) => report.missing.push({ objectType: 'contact', name, reason });

  const groups = await api.listGroups();
  if (!groups.includes(GROUP.name)) {
    try {
      await api.createGroup(GROUP.name, GROUP.label);
      report.created.push(`group:${GROUP.name}`);
    } catch (e) {
      if (!(e instanceof HubSpotRequestError && e.status === 409)) throw e;
    }
  }

  const current = new Map((await api.listProperties()).map((p) => [p.name, p]));
  for (const spec of ENRICHMENT_PROPERTIES) {
    let existing = current.get(spec.name);
    if (!existing) {
      try {
        await api.createProperty(spec);
        report.created.push(spec.name);
        continue;
      } catch (e) {
        if (e instanceof HubSpotRequestError && e.status === 409) {
          existing = await api.getProperty(spec.name);
        } else if (e instanceof NonRetryableError) {
          // Missing scope, a portal-level limit on custom properties...: reported, retried at the next provisioning.
          missing(spec.name, reasonOf(e));
          continue;
        } else throw e;
      }
    }
    const why = incompatible(existing, spec);
    if (why) {
      missing(spec.name, why);
      continue;
    }
    report.existing.push(spec.name);
    if (existing.fieldType !== spec.fieldType) {
      report.warnings.push(`${spec.name} is ${existing.type}/${existing.fieldType} instead of ${spec.type}/${spec.fieldType}; values are still written`);
    }
    await ensureOptions(api, existing, spec, report, log);
  }
  return report;
}

/** A seniority option someone deleted would make every write of that level fail: add missing options back. */
async function ensureOptions(api: HubSpotApi, existing: HsProperty, spec: PropertySpec, report: ProvisionReport, log: Logger): Promise<void> {
  if (spec.type !== 'enumeration' || !spec.options) return;
  const have = new Set(existing.options.filter((o) => !o.hidden).map((o) => o.value));
  const lacking = spec.options.filter((o) => !have.has(o.value));
  if (lacking.length === 0) return;
  const kept = existing.options.filter((o) => !lacking.some((l) => l.value === o.value));
  const options = [
    ...kept.map((o, i) => ({ label: o.label, value: o.value, hidden: o.hidden, displayOrder: o.displayOrder ?? i })),
    ...lacking.map((o) => ({ ...o, hidden: false })),
  ];
  try {
    await api.setPropertyOptions(spec.name, options);
    report.warnings.push(`${spec.name}: added missing options ${lacking.map((o) => o.value).join(', ')}`);
  } catch (e) {
    if (!(e instanceof NonRetryableError)) throw e;
    log.warn({ property: spec.name, err: e }, 'could not add missing options');
    report.warnings.push(`${spec.name} lacks options ${lacking.map((o) => o.value).join(', ')} (${reasonOf(e)}); those values cannot be written`);
  }
}
