// Provisioning: the `Enrichment_*__c` fields (docs/salesforce.md §4.2) on Contact and Lead, made visible and editable for the
// connected user through one permission set. Lacking rights is a normal outcome: nothing throws for it, the report
// names every field that is still missing and why (the admin page shows it and provisioning is retried later).
import type { ObjectType, ProvisionReport } from '../types.js';
import { NonRetryableError } from '../../src/lib/errors.js';
import type { Logger } from '../../src/lib/logger.js';
import { SENIORITY_LEVELS } from '../../src/lib/seniority-levels.js';
import type { SfClient } from './client.js';
import type { DescribeResult } from './schemas.js';
import { soql } from './soql.js';

export const PERMISSION_SET = 'CRM_Enrich_Fields';
const METADATA_CHUNK = 10;

type FieldSpec =
  | { name: string; label: string; type: 'Text'; length: number }
  | { name: string; label: string; type: 'Checkbox' | 'Date' | 'DateTime' | 'Url' | 'Picklist' }
  | { name: string; label: string; type: 'Number'; precision: number; scale: number };

export const ENRICHMENT_FIELDS: readonly FieldSpec[] = [
  { name: 'Enrichment_Seniority__c', label: 'Seniority', type: 'Picklist' },
  { name: 'Enrichment_Recent_Job_Change__c', label: 'Recent Job Change', type: 'Checkbox' },
  { name: 'Enrichment_Job_Change_Date__c', label: 'Job Change Date', type: 'Date' },
  { name: 'Enrichment_Previous_Company__c', label: 'Previous Company', type: 'Text', length: 255 },
  { name: 'Enrichment_Previous_Title__c', label: 'Previous Title', type: 'Text', length: 255 },
  { name: 'Enrichment_Department__c', label: 'Department (enriched)', type: 'Text', length: 255 },
  { name: 'Enrichment_Headline__c', label: 'Headline', type: 'Text', length: 255 },
  { name: 'Enrichment_Company_Size__c', label: 'Company Size', type: 'Text', length: 80 },
  { name: 'Enrichment_Source__c', label: 'Enrichment Source', type: 'Text', length: 80 },
  { name: 'Enrichment_LinkedIn_URL__c', label: 'LinkedIn URL', type: 'Url' },
  { name: 'Enrichment_Confidence__c', label: 'Enrichment Confidence', type: 'Number', precision: 18, scale: 0 },
  { name: 'Enrichment_Enriched_At__c', label: 'Enriched At', type: 'DateTime' },
];

/** describe `type` values a correctly created field shows (anything else gets a warning). */
const DESCRIBE_TYPE: Record<FieldSpec['type'], string> = {
  Text: 'string', Checkbox: 'boolean', Date: 'date', DateTime: 'datetime', Url: 'url', Picklist: 'picklist', Number: 'double',
};

const OBJECTS: readonly { objectType: ObjectType; sobject: 'Contact' | 'Lead' }[] = [
  { objectType: 'contact', sobject: 'Contact' },
  { objectType: 'lead', sobject: 'Lead' },
];

export interface ProvisionDeps {
  client: SfClient;
  /** A fresh describe (bypassing the session cache). */
  describe: (sobject: string) => Promise<DescribeResult>;
  userId: string | null;
  log: Logger;
}

type Component = { fullName: string } & Record<string, unknown>;

/** Metadata components in WSDL element order (the SOAP schema is a sequence). */
function customField(sobject: string, f: FieldSpec): Component {
  const c: Component = { fullName: `${sobject}.${f.name}` };
  if (f.type === 'Checkbox') c['defaultValue'] = false;
  c['description'] = 'Written by crm-enrich (profile enrichment).';
  c['label'] = f.label;
  if (f.type === 'Text') c['length'] = f.length;
  if (f.type === 'Number') c['precision'] = f.precision;
  if (f.type === 'Number') c['scale'] = f.scale;
  c['type'] = f.type;
  if (f.type === 'Picklist') {
    // Values left out of a redeploy are deactivated, so the full list is always sent.
    c['valueSet'] = {
      restricted: true,
      valueSetDefinition: { sorted: false, value: SENIORITY_LEVELS.map((v) => ({ fullName: v, default: false, label: v })) },
    };
  }
  return c;
}

function permissionSet(fields: string[]): Component {
  return {
    fullName: PERMISSION_SET,
    description: 'Lets the crm-enrich integration user read and write the enrichment fields.',
    fieldPermissions: fields.map((field) => ({ editable: true, field, readable: true })),
    hasActivationRequired: false,
    label: 'CRM Enrich Fields',
  };
}

function visibleMap(d: DescribeResult): Map<string, { type: string; updateable: boolean }> {
  return new Map(d.fields.map((f) => [f.name.toLowerCase(), { type: f.type, updateable: f.updateable }]));
}

/** Rights problems are findings for the report; budget, auth and transport errors still throw. */
function reasonOf(e: unknown): string {
  if (e instanceof NonRetryableError) {
    const msg = e.message.replace(/^Salesforce [a-z_]+ failed: /, '');
    return msg.startsWith(e.code) ? msg : `${e.code}: ${msg}`;
  }
  throw e;
}

export async function provisionFields(deps: ProvisionDeps): Promise<ProvisionReport> {
  const { client, log } = deps;
  const warnings: string[] = [];
  const before = new Map(await Promise.all(OBJECTS.map(async (o) => [o.sobject, visibleMap(await deps.describe(o.sobject))] as const)));
  const failure = new Map<string, string>(); // fullName → why it could not be created/granted
  const created: string[] = [];
  const existing: string[] = [];
  const exists = new Set<string>();
  const toCreate: Component[] = [];

  for (const o of OBJECTS) {
    const vis = before.get(o.sobject);
    for (const f of ENRICHMENT_FIELDS) {
      const fullName = `${o.sobject}.${f.name}`;
      const seen = vis?.get(f.name.toLowerCase());
      if (seen) {
        existing.push(fullName);
        exists.add(fullName);
        if (seen.type !== DESCRIBE_TYPE[f.type]) warnings.push(`${fullName} exists as ${seen.type}, expected ${DESCRIBE_TYPE[f.type]}`);
      } else {
        toCreate.push(customField(o.sobject, f));
      }
    }
  }

  // Invisible fields may exist without field-level security; upsert covers both cases without a read first.
  let blocked: string | null = null;
  for (let i = 0; i < toCreate.length; i += METADATA_CHUNK) {
    const chunk = toCreate.slice(i, i + METADATA_CHUNK);
    if (blocked !== null) {
      for (const c of chunk) failure.set(c.fullName, blocked);
      continue;
    }
    try {
      const results = await client.metadataUpsert('CustomField', chunk, { background: false });
      chunk.forEach((c, k) => {
        const r = results[k];
        if (r?.success) {
          exists.add(c.fullName);
          (r.created === false ? existing : created).push(c.fullName);
        } else {
          const err = r?.errors[0];
          failure.set(c.fullName, err ? `${err.statusCode}: ${err.message}` : 'no result from the Metadata API');
        }
      });
    } catch (e) {
      blocked = reasonOf(e);
      for (const c of chunk) failure.set(c.fullName, blocked);
    }
  }

  const needsGrant = OBJECTS.some((o) =>
    ENRICHMENT_FIELDS.some((f) => {
      const fullName = `${o.sobject}.${f.name}`;
      return exists.has(fullName) && before.get(o.sobject)?.get(f.name.toLowerCase())?.updateable !== true;
    }),
  );
  let grantFailure: string | null = blocked;
  if (needsGrant && blocked === null) grantFailure = await grant(deps, [...exists].sort(), warnings);

  const after = new Map(await Promise.all(OBJECTS.map(async (o) => [o.sobject, visibleMap(await deps.describe(o.sobject))] as const)));
  const missing: ProvisionReport['missing'] = [];
  for (const o of OBJECTS) {
    for (const f of ENRICHMENT_FIELDS) {
      const fullName = `${o.sobject}.${f.name}`;
      const seen = after.get(o.sobject)?.get(f.name.toLowerCase());
      if (seen?.updateable) continue;
      const reason =
        failure.get(fullName) ??
        grantFailure ??
        (seen ? 'visible but read-only for the connected user (field-level security)' : 'not visible to the connected user after granting field permissions');
      missing.push({ objectType: o.objectType, name: f.name, reason });
    }
  }
  if (missing.length > 0) log.warn({ missing: missing.length }, 'Salesforce provisioning left enrichment fields missing');
  return { created, existing, missing, warnings };
}

/** Upserts the permission set and assigns it to the connected user; returns why it failed, or null. */
async function grant(deps: ProvisionDeps, fields: string[], warnings: string[]): Promise<string | null> {
  const { client } = deps;
  try {
    const [res] = await client.metadataUpsert('PermissionSet', [permissionSet(fields)], { background: false });
    if (!res?.success) {
      const err = res?.errors[0];
      return `permission set ${PERMISSION_SET} not saved: ${err ? `${err.statusCode}: ${err.message}` : 'no result'}`;
    }
  } catch (e) {
    return `permission set ${PERMISSION_SET} not saved: ${reasonOf(e)}`;
  }
  if (!deps.userId) {
    warnings.push(`permission set ${PERMISSION_SET} was saved but not assigned: the connected user is unknown`);
    return `permission set ${PERMISSION_SET} not assigned to the connected user`;
  }
  try {
    const q = await client.query(soql`SELECT Id FROM PermissionSet WHERE Name = ${PERMISSION_SET}`, { background: false });
    const psId = q.records[0]?.['Id'];
    if (typeof psId !== 'string') return `permission set ${PERMISSION_SET} not found after saving it`;
    try {
      const res = await client.create('PermissionSetAssignment', { AssigneeId: deps.userId, PermissionSetId: psId }, { background: false });
      const err = res.errors[0];
      if (!res.success && err?.statusCode !== 'DUPLICATE_VALUE') return `permission set not assigned: ${err?.statusCode ?? 'UNKNOWN'}: ${err?.message ?? ''}`;
    } catch (e) {
      // DUPLICATE_VALUE: the user already has the set, which is what we want.
      if (!(e instanceof NonRetryableError && e.code === 'DUPLICATE_VALUE')) return `permission set not assigned: ${reasonOf(e)}`;
    }
  } catch (e) {
    return `permission set not assigned: ${reasonOf(e)}`;
  }
  return null;
}
