// In-memory portal state of the HubSpot fake: property definitions, contacts, tasks, owners, OAuth grants.
import { randomBytes, randomUUID } from 'node:crypto';

export type PropertyType = 'bool' | 'enumeration' | 'date' | 'datetime' | 'string' | 'number';

export interface FakePropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface FakeProperty {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: FakePropertyOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean; readOnlyOptions?: boolean };
}

export interface FakePropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface FakeContact {
  id: string;
  /** Current values; a cleared property is absent. Values are stored as HubSpot returns them. */
  properties: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
  archivedAt?: Date;
  /** Epoch ms from which CRM search sees the contact (HubSpot indexes new records for search with a delay). */
  searchableAt: number;
}

export interface FakeAssociation {
  toObjectType: 'contacts';
  toObjectId: string;
  associationCategory: string;
  associationTypeId: number;
}

export interface FakeTask {
  id: string;
  properties: Record<string, string>;
  associations: FakeAssociation[];
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
}

export interface FakeOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId?: number;
}

export type RequestKind = 'oauth' | 'api' | 'search';

export interface FakeRequest {
  /** Epoch ms when the request was received. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** HTTP status answered; 0 while the request is still open (e.g. a hung fault). */
  status: number;
  portalId?: number;
  kind: RequestKind;
}

/** One update of a contact's values (through the API or the fake's own setter). */
export interface FakeContactWrite {
  /** Epoch ms of the update. */
  at: number;
  contactId: string;
  /** The properties whose value this update changed ('' = cleared); empty for a write of the values already held. */
  changed: string[];
}

export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
  delayMs?: number;
  hang?: boolean;
}

export interface AuthCodeRecord {
  code: string;
  redirectUri: string;
  scopes: string[];
  used: boolean;
}

export interface AccessTokenRecord {
  token: string;
  portalId: number;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
}

export interface RefreshTokenRecord {
  token: string;
  portalId: number;
  scopes: string[];
  revoked: boolean;
}

export interface ResolvedOptions {
  clientId: string;
  clientSecret: string;
  portalId: number;
  appId: number;
  userId: number;
  userEmail: string;
  hubDomain: string;
  rateLimit: { max: number; windowMs: number };
  searchPerSecond: number;
  accessTokenTtlSec: number;
  latencyMs: number;
  rotateRefreshTokens: boolean;
  /** How long a new contact stays invisible to CRM search; reads by id and list pages see it at once. */
  searchIndexDelayMs: number;
}

/** The scopes the connector asks for (the HUBSPOT_SCOPES default, docs/hubspot.md §1.7); used by issueAuthCode(). */
export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
];

/** Properties every contact read returns, whatever was asked for. */
export const ALWAYS_RETURNED = ['createdate', 'hs_object_id', 'lastmodifieddate'] as const;
/** Properties returned when none are requested (contacts guide / search guide). */
export const DEFAULT_CONTACT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'] as const;

const STANDARD_CREATED_AT = '2019-08-06T02:41:52.000Z';

export function standardProperty(
  name: string,
  label: string,
  type: PropertyType,
  fieldType: string,
  groupName: string,
  extra: Partial<FakeProperty> = {},
): FakeProperty {
  return {
    name,
    label,
    type,
    fieldType,
    groupName,
    description: '',
    options: [],
    displayOrder: -1,
    hasUniqueValue: false,
    hidden: false,
    formField: true,
    calculated: false,
    externalOptions: false,
    hubspotDefined: true,
    archived: false,
    createdAt: STANDARD_CREATED_AT,
    updatedAt: STANDARD_CREATED_AT,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false },
    ...extra,
  };
}

function options(values: [string, string][]): FakePropertyOption[] {
  return values.map(([value, label], displayOrder) => ({ label, value, displayOrder, hidden: false }));
}

function readOnly(extra: Partial<FakeProperty> = {}): Partial<FakeProperty> {
  return {
    formField: false,
    modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
    ...extra,
  };
}

export function seedGroups(): FakePropertyGroup[] {
  return [
    { name: 'contactinformation', label: 'Contact information', displayOrder: 0, archived: false },
    { name: 'socialmediainformation', label: 'Social media information', displayOrder: 1, archived: false },
    { name: 'sales_properties', label: 'Sales properties', displayOrder: 2, archived: false },
    { name: 'emailinformation', label: 'Email information', displayOrder: 3, archived: false },
  ];
}

export function seedContactProperties(): FakeProperty[] {
  const ci = 'contactinformation';
  return [
    standardProperty('email', 'Email', 'string', 'text', ci, { description: "A contact's email address" }),
    standardProperty('firstname', 'First Name', 'string', 'text', ci),
    standardProperty('lastname', 'Last Name', 'string', 'text', ci),
    standardProperty('jobtitle', 'Job Title', 'string', 'text', ci),
    standardProperty('company', 'Company Name', 'string', 'text', ci),
    standardProperty('phone', 'Phone Number', 'string', 'phonenumber', ci),
    standardProperty('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', ci),
    standardProperty('address', 'Street Address', 'string', 'text', ci),
    standardProperty('city', 'City', 'string', 'text', ci),
    standardProperty('state', 'State/Region', 'string', 'text', ci),
    standardProperty('country', 'Country/Region', 'string', 'text', ci),
    standardProperty('zip', 'Postal Code', 'string', 'text', ci),
    standardProperty('industry', 'Industry', 'string', 'text', ci),
    standardProperty('website', 'Website URL', 'string', 'text', ci),
    standardProperty('annualrevenue', 'Annual Revenue', 'string', 'text', ci),
    standardProperty('twitterhandle', 'Twitter Username', 'string', 'text', 'socialmediainformation'),
    standardProperty('hs_linkedin_url', 'LinkedIn URL', 'string', 'text', 'socialmediainformation'),
    standardProperty('numemployees', 'Number of Employees', 'enumeration', 'select', ci, {
      options: options([
        ['1-5', '1-5'],
        ['5-25', '5-25'],
        ['25-50', '25-50'],
        ['50-100', '50-100'],
        ['100-500', '100-500'],
        ['500-1000', '500-1000'],
        ['1000+', '1000+'],
      ]),
    }),
    standardProperty('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', ci, {
      options: options([
        ['subscriber', 'Subscriber'],
        ['lead', 'Lead'],
        ['marketingqualifiedlead', 'Marketing Qualified Lead'],
        ['salesqualifiedlead', 'Sales Qualified Lead'],
        ['opportunity', 'Opportunity'],
        ['customer', 'Customer'],
        ['evangelist', 'Evangelist'],
        ['other', 'Other'],
      ]),
    }),
    // Options are the portal's owners; computed on read (see propertyOptions()).
    standardProperty('hubspot_owner_id', 'Contact owner', 'enumeration', 'select', 'sales_properties', {
      externalOptions: true,
      modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: false, readOnlyOptions: true },
    }),
    standardProperty('createdate', 'Create Date', 'datetime', 'date', ci, readOnly()),
    standardProperty('lastmodifieddate', 'Last Modified Date', 'datetime', 'date', ci, readOnly()),
    standardProperty('hs_object_id', 'Record ID', 'number', 'number', ci, readOnly({ calculated: true })),
  ];
}

export function seedOwners(): FakeOwner[] {
  return [
    { id: '71000001', email: 'ava.owner@example.com', firstName: 'Ava', lastName: 'Owner', userId: 9100001 },
    { id: '71000002', email: 'ben.seller@example.com', firstName: 'Ben', lastName: 'Seller', userId: 9100002 },
  ];
}

export function newAccessToken(): string {
  // Real tokens are opaque base64url strings of varying length (≤512 chars).
  return `CO${randomBytes(48).toString('base64url')}`;
}

export function newRefreshToken(): string {
  return randomUUID();
}

export function newAuthCode(): string {
  return randomUUID();
}

export class PortalState {
  readonly properties = new Map<string, FakeProperty>();
  readonly groups = new Map<string, FakePropertyGroup>();
  readonly contactsById = new Map<string, FakeContact>();
  /** Contacts in id order (ids are allocated increasing), for cursor paging without scans. */
  readonly contactList: FakeContact[] = [];
  readonly emailIndex = new Map<string, string>();
  readonly tasksById = new Map<string, FakeTask>();
  readonly taskList: FakeTask[] = [];
  readonly owners: FakeOwner[] = seedOwners();
  readonly codes = new Map<string, AuthCodeRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly faults: Fault[] = [];
  requests: FakeRequest[] = [];
  /** Every contact update, in order: a test tells a first write from a repeated one (same values, nothing changed). */
  readonly contactWrites: FakeContactWrite[] = [];
  private nextContactId = 101;
  private nextTaskId = 90001;
  private lastStamp = 0;

  constructor(readonly opts: ResolvedOptions) {
    for (const g of seedGroups()) this.groups.set(g.name, g);
    for (const p of seedContactProperties()) this.properties.set(p.name, p);
  }

  /** A strictly increasing clock so lastmodifieddate ordering is deterministic. */
  now(): Date {
    const t = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = t;
    return new Date(t);
  }

  // ---- properties --------------------------------------------------------------------------------

  activeProperty(name: string): FakeProperty | undefined {
    const p = this.properties.get(name);
    return p && !p.archived ? p : undefined;
  }

  propertyOptions(p: FakeProperty): FakePropertyOption[] {
    if (p.name === 'hubspot_owner_id') {
      return this.owners.map((o, displayOrder) => ({
        label: `${o.firstName} ${o.lastName}`.trim() || o.email,
        value: o.id,
        displayOrder,
        hidden: false,
      }));
    }
    return p.options;
  }

  // ---- contacts ----------------------------------------------------------------------------------

  allocateContactId(): string {
    return String(this.nextContactId++);
  }

  allocateTaskId(): string {
    return String(this.nextTaskId++);
  }

  findContactByEmail(email: string): FakeContact | undefined {
    const id = this.emailIndex.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.contactsById.get(id);
  }

  /** Inserts a contact whose values are already validated and normalised. */
  insertContact(values: Record<string, string>, createdAt?: Date): FakeContact {
    const id = this.allocateContactId();
    const created = createdAt ?? this.now();
    // A contact created "in the past" (test seeding) was also last modified then.
    const contact: FakeContact = {
      id,
      properties: {},
      createdAt: created,
      updatedAt: created,
      archived: false,
      searchableAt: Date.now() + this.opts.searchIndexDelayMs,
    };
    for (const [k, v] of Object.entries(values)) if (v !== '') contact.properties[k] = v;
    if (contact.properties.email !== undefined) {
      contact.properties.email = contact.properties.email.toLowerCase();
      this.emailIndex.set(contact.properties.email, id);
    }
    contact.properties.createdate = contact.createdAt.toISOString();
    contact.properties.lastmodifieddate = contact.updatedAt.toISOString();
    contact.properties.hs_object_id = id;
    this.contactsById.set(id, contact);
    this.contactList.push(contact);
    return contact;
  }

  /** Applies already-validated values ('' clears) and bumps lastmodifieddate. */
  applyContactUpdate(contact: FakeContact, values: Record<string, string>): void {
    const changed = Object.entries(values)
      .filter(([k, v]) => (contact.properties[k] ?? '') !== (k === 'email' ? v.toLowerCase() : v))
      .map(([k]) => k);
    for (const [k, v] of Object.entries(values)) {
      if (k === 'email') {
        const old = contact.properties.email;
        if (old !== undefined && this.emailIndex.get(old) === contact.id) this.emailIndex.delete(old);
        if (v !== '') this.emailIndex.set(v.toLowerCase(), contact.id);
      }
      if (v === '') delete contact.properties[k];
      else contact.properties[k] = k === 'email' ? v.toLowerCase() : v;
    }
    contact.updatedAt = this.now();
    contact.properties.lastmodifieddate = contact.updatedAt.toISOString();
    this.contactWrites.push({ at: contact.updatedAt.getTime(), contactId: contact.id, changed });
  }

  archiveContact(contact: FakeContact): void {
    if (contact.archived) return;
    contact.archived = true;
    contact.archivedAt = this.now();
    const email = contact.properties.email;
    if (email !== undefined && this.emailIndex.get(email) === contact.id) this.emailIndex.delete(email);
  }

  /** Index of the first contact whose numeric id is ≥ `minId` (contactList is sorted by id). */
  contactIndexFrom(minId: number): number {
    let lo = 0;
    let hi = this.contactList.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.contactList[mid];
      if (c !== undefined && Number(c.id) < minId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---- API projections ---------------------------------------------------------------------------------

export interface ApiObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/**
 * The `properties` map HubSpot returns on reads: the requested properties that exist in the portal
 * (null when unset) plus createdate / hs_object_id / lastmodifieddate; the default set when none are requested.
 */
export function readProperties(state: PortalState, c: FakeContact, requested: readonly string[] | undefined): Record<string, string | null> {
  const names = requested && requested.length > 0 ? [...requested, ...ALWAYS_RETURNED] : DEFAULT_CONTACT_PROPERTIES;
  const out: Record<string, string | null> = {};
  for (const name of names) {
    if (!state.activeProperty(name)) continue;
    out[name] = c.properties[name] ?? null;
  }
  return out;
}

/** Write responses (create / update) carry every property that holds a value. */
export function writtenProperties(state: PortalState, c: FakeContact): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(c.properties)) if (state.activeProperty(k)) out[k] = v;
  return out;
}

export function toApiObject(c: { id: string; createdAt: Date; updatedAt: Date; archived: boolean; archivedAt?: Date }, properties: Record<string, string | null>): ApiObject {
  const o: ApiObject = {
    id: c.id,
    properties,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    archived: c.archived,
  };
  if (c.archivedAt) o.archivedAt = c.archivedAt.toISOString();
  return o;
}
