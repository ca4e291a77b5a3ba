// Links to a record in the CRM's own UI (the inbox, the contact view, alerts). HubSpot's record URL is built from
// the portal id; Salesforce's from the org's instance URL, which is only known from the token response.
import type { CrmKind, ObjectType } from '../../connectors/types.js';

export function recordUrl(crm: CrmKind, o: { externalId: string; instanceUrl: string | null | undefined; objectType: ObjectType | string; id: string }): string | null {
  if (crm === 'hubspot') return `https://app.hubspot.com/contacts/${encodeURIComponent(o.externalId)}/record/0-1/${encodeURIComponent(o.id)}`;
  if (!o.instanceUrl) return null;
  let base: URL;
  try {
    base = new URL(o.instanceUrl);
  } catch {
    return null;
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return null;
  const sobject = o.objectType === 'lead' ? 'Lead' : 'Contact';
  return `${base.origin}/lightning/r/${sobject}/${encodeURIComponent(o.id)}/view`;
}
