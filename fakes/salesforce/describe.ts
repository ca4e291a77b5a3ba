// Standard object schemas (Contact, Lead, Task, User, Account, PermissionSet, PermissionSetAssignment,
// FieldPermissions) and the REST describe rendering.
import type { FieldDef, FieldType, ObjectDef, PicklistEntry, SfValue } from './types.js';

type FieldOpts = Partial<Omit<FieldDef, 'name' | 'type' | 'picklistValues'>> & {
  values?: (string | [string, boolean])[];
};

const DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 255,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 255,
  combobox: 255,
};

function labelFromName(name: string): string {
  const base = name.replace(/__c$/, '').replace(/_/g, ' ');
  if (base.endsWith('Id') && base.length > 2) return `${base.slice(0, -2).replace(/([a-z])([A-Z])/g, '$1 $2')} ID`;
  return base.replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function picklist(values: (string | [string, boolean])[]): PicklistEntry[] {
  return values.map((v) => {
    const [value, dflt] = typeof v === 'string' ? [v, false] : v;
    return { value, label: value, active: true, defaultValue: dflt };
  });
}

export function field(name: string, type: FieldType, opts: FieldOpts = {}): FieldDef {
  const { values, ...rest } = opts;
  const picklistValues = values ? picklist(values) : [];
  const dflt = picklistValues.find((p) => p.defaultValue)?.value;
  const isBool = type === 'boolean';
  const def: FieldDef = {
    name,
    label: labelFromName(name),
    type,
    length: DEFAULT_LENGTH[type] ?? 0,
    precision: 0,
    scale: 0,
    digits: type === 'int' ? 9 : 0,
    custom: name.endsWith('__c'),
    createable: true,
    updateable: true,
    nillable: !isBool,
    defaultedOnCreate: isBool || dflt !== undefined,
    defaultValue: isBool ? false : (dflt ?? null),
    calculated: false,
    picklistValues,
    restrictedPicklist: false,
    referenceTo: [],
    relationshipName: null,
    externalId: false,
    unique: false,
    nameField: false,
    idLookup: false,
    ...rest,
  };
  if (type === 'reference' && def.relationshipName === null && name.endsWith('Id')) {
    def.relationshipName = name.slice(0, -2);
  }
  return def;
}

/** read-only system field */
function sys(name: string, type: FieldType, opts: FieldOpts = {}): FieldDef {
  return field(name, type, { createable: false, updateable: false, defaultedOnCreate: true, ...opts });
}

function auditFields(): FieldDef[] {
  return [
    sys('IsDeleted', 'boolean', { label: 'Deleted', nillable: false }),
    sys('CreatedDate', 'datetime', { label: 'Created Date', nillable: false }),
    sys('CreatedById', 'reference', { label: 'Created By ID', nillable: false, referenceTo: ['User'], relationshipName: 'CreatedBy' }),
    sys('LastModifiedDate', 'datetime', { label: 'Last Modified Date', nillable: false }),
    sys('LastModifiedById', 'reference', { label: 'Last Modified By ID', nillable: false, referenceTo: ['User'], relationshipName: 'LastModifiedBy' }),
    sys('SystemModstamp', 'datetime', { label: 'System Modstamp', nillable: false }),
  ];
}

function idField(): FieldDef {
  return sys('Id', 'id', { label: `Record ID`, nillable: false, idLookup: true });
}

function owner(): FieldDef {
  return field('OwnerId', 'reference', { label: 'Owner ID', referenceTo: ['User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true });
}

function obj(
  name: string,
  keyPrefix: string,
  labelPlural: string,
  fields: FieldDef[],
  opts: Partial<Pick<ObjectDef, 'createable' | 'updateable' | 'deletable' | 'customizable' | 'label'>> = {},
): ObjectDef {
  const map = new Map<string, FieldDef>();
  for (const f of fields) map.set(f.name.toLowerCase(), f);
  return {
    name,
    label: opts.label ?? name,
    labelPlural,
    keyPrefix,
    createable: opts.createable ?? true,
    updateable: opts.updateable ?? true,
    deletable: opts.deletable ?? true,
    customizable: opts.customizable ?? false,
    fields: map,
  };
}

const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'];
const INDUSTRIES = ['Agriculture', 'Banking', 'Consulting', 'Education', 'Finance', 'Healthcare', 'Manufacturing', 'Media', 'Retail', 'Technology', 'Telecommunications', 'Other'];

export function standardObjects(): ObjectDef[] {
  const contact = obj(
    'Contact',
    '003',
    'Contacts',
    [
      idField(),
      field('MasterRecordId', 'reference', { label: 'Master Record ID', referenceTo: ['Contact'], relationshipName: 'MasterRecord', createable: false, updateable: false }),
      field('AccountId', 'reference', { label: 'Account ID', referenceTo: ['Account'], relationshipName: 'Account' }),
      field('LastName', 'string', { label: 'Last Name', length: 80, nillable: false }),
      field('FirstName', 'string', { label: 'First Name', length: 40 }),
      field('Salutation', 'picklist', { length: 40, values: SALUTATIONS }),
      sys('Name', 'string', { label: 'Full Name', length: 121, nillable: false, nameField: true, calculated: false }),
      field('MailingStreet', 'textarea', { label: 'Mailing Street', length: 255 }),
      field('MailingCity', 'string', { label: 'Mailing City', length: 40 }),
      field('MailingState', 'string', { label: 'Mailing State/Province', length: 80 }),
      field('MailingPostalCode', 'string', { label: 'Mailing Zip/Postal Code', length: 20 }),
      field('MailingCountry', 'string', { label: 'Mailing Country', length: 80 }),
      field('Phone', 'phone', { label: 'Business Phone', length: 40 }),
      field('Fax', 'phone', { label: 'Business Fax', length: 40 }),
      field('MobilePhone', 'phone', { label: 'Mobile Phone', length: 40 }),
      field('HomePhone', 'phone', { label: 'Home Phone', length: 40 }),
      field('ReportsToId', 'reference', { label: 'Reports To ID', referenceTo: ['Contact'], relationshipName: 'ReportsTo' }),
      field('Email', 'email', { length: 80, idLookup: true }),
      field('Title', 'string', { length: 128 }),
      field('Department', 'string', { length: 80 }),
      field('LeadSource', 'picklist', { label: 'Lead Source', length: 40, values: LEAD_SOURCES }),
      field('Birthdate', 'date'),
      field('Description', 'textarea', { label: 'Contact Description', length: 32000 }),
      owner(),
      field('HasOptedOutOfEmail', 'boolean', { label: 'Email Opt Out' }),
      field('DoNotCall', 'boolean', { label: 'Do Not Call' }),
      ...auditFields(),
      sys('LastActivityDate', 'date', { label: 'Last Activity', defaultedOnCreate: false }),
    ],
    { customizable: true },
  );

  const lead = obj(
    'Lead',
    '00Q',
    'Leads',
    [
      idField(),
      field('LastName', 'string', { label: 'Last Name', length: 80, nillable: false }),
      field('FirstName', 'string', { label: 'First Name', length: 40 }),
      field('Salutation', 'picklist', { length: 40, values: SALUTATIONS }),
      sys('Name', 'string', { label: 'Full Name', length: 121, nillable: false, nameField: true }),
      field('Title', 'string', { length: 128 }),
      field('Company', 'string', { length: 255, nillable: false }),
      field('Street', 'textarea', { length: 255 }),
      field('City', 'string', { length: 40 }),
      field('State', 'string', { label: 'State/Province', length: 80 }),
      field('PostalCode', 'string', { label: 'Zip/Postal Code', length: 20 }),
      field('Country', 'string', { length: 80 }),
      field('Phone', 'phone', { length: 40 }),
      field('MobilePhone', 'phone', { label: 'Mobile Phone', length: 40 }),
      field('Fax', 'phone', { length: 40 }),
      field('Email', 'email', { length: 80, idLookup: true }),
      field('Website', 'url', { length: 255 }),
      field('Description', 'textarea', { length: 32000 }),
      field('LeadSource', 'picklist', { label: 'Lead Source', length: 40, values: LEAD_SOURCES }),
      field('Status', 'picklist', {
        label: 'Lead Status',
        length: 40,
        nillable: false,
        restrictedPicklist: true,
        values: [['Open - Not Contacted', true], 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'],
      }),
      field('Industry', 'picklist', { length: 40, values: INDUSTRIES }),
      field('Rating', 'picklist', { length: 40, values: ['Hot', 'Warm', 'Cold'] }),
      field('AnnualRevenue', 'currency', { label: 'Annual Revenue', precision: 18, scale: 0 }),
      field('NumberOfEmployees', 'int', { label: 'Employees', digits: 8 }),
      owner(),
      sys('IsConverted', 'boolean', { label: 'Converted', nillable: false }),
      sys('ConvertedDate', 'date', { label: 'Converted Date', defaultedOnCreate: false }),
      sys('ConvertedAccountId', 'reference', { label: 'Converted Account ID', referenceTo: ['Account'], relationshipName: 'ConvertedAccount', defaultedOnCreate: false }),
      sys('ConvertedContactId', 'reference', { label: 'Converted Contact ID', referenceTo: ['Contact'], relationshipName: 'ConvertedContact', defaultedOnCreate: false }),
      field('IsUnreadByOwner', 'boolean', { label: 'Unread By Owner' }),
      field('HasOptedOutOfEmail', 'boolean', { label: 'Email Opt Out' }),
      ...auditFields(),
      sys('LastActivityDate', 'date', { label: 'Last Activity', defaultedOnCreate: false }),
    ],
    { customizable: true },
  );

  const task = obj(
    'Task',
    '00T',
    'Tasks',
    [
      idField(),
      field('WhoId', 'reference', { label: 'Name ID', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' }),
      field('WhatId', 'reference', { label: 'Related To ID', referenceTo: ['Account'], relationshipName: 'What' }),
      field('Subject', 'combobox', { length: 255, values: ['Call', 'Send Letter', 'Send Quote', 'Other'] }),
      field('ActivityDate', 'date', { label: 'Due Date Only' }),
      field('Status', 'picklist', {
        length: 40,
        nillable: false,
        restrictedPicklist: true,
        values: [['Not Started', true], 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
      }),
      field('Priority', 'picklist', {
        length: 40,
        nillable: false,
        restrictedPicklist: true,
        values: ['High', ['Normal', true], 'Low'],
      }),
      sys('IsHighPriority', 'boolean', { label: 'High Priority', nillable: false }),
      owner(),
      field('Description', 'textarea', { label: 'Description', length: 32000 }),
      field('TaskSubtype', 'picklist', { label: 'Task Subtype', length: 40, updateable: false, values: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'] }),
      sys('AccountId', 'reference', { label: 'Account ID', referenceTo: ['Account'], relationshipName: 'Account', defaultedOnCreate: false }),
      sys('IsClosed', 'boolean', { label: 'Closed', nillable: false }),
      field('IsReminderSet', 'boolean', { label: 'Reminder Set' }),
      field('ReminderDateTime', 'datetime', { label: 'Reminder Date/Time' }),
      ...auditFields(),
    ],
  );

  const user = obj(
    'User',
    '005',
    'Users',
    [
      idField(),
      field('Username', 'string', { length: 80, nillable: false, unique: true, idLookup: true }),
      field('LastName', 'string', { label: 'Last Name', length: 80, nillable: false }),
      field('FirstName', 'string', { label: 'First Name', length: 40 }),
      sys('Name', 'string', { label: 'Full Name', length: 121, nillable: false, nameField: true }),
      field('CompanyName', 'string', { label: 'Company Name', length: 80 }),
      field('Title', 'string', { length: 80 }),
      field('Email', 'email', { length: 128, nillable: false }),
      field('Alias', 'string', { length: 8, nillable: false }),
      field('IsActive', 'boolean', { label: 'Active', defaultValue: true }),
      field('TimeZoneSidKey', 'picklist', { label: 'Time Zone', length: 40, values: [['GMT', true], 'America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Paris'] }),
      sys('UserType', 'picklist', { label: 'User Type', length: 40, values: [['Standard', true]] }),
      ...auditFields().filter((f) => f.name !== 'IsDeleted'),
    ],
    { createable: false, deletable: false },
  );

  const account = obj(
    'Account',
    '001',
    'Accounts',
    [
      idField(),
      field('Name', 'string', { label: 'Account Name', length: 255, nillable: false, nameField: true }),
      field('Type', 'picklist', { label: 'Account Type', length: 255, values: ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'] }),
      field('Industry', 'picklist', { length: 255, values: INDUSTRIES }),
      field('Website', 'url', { length: 255 }),
      field('Phone', 'phone', { label: 'Account Phone', length: 40 }),
      field('NumberOfEmployees', 'int', { label: 'Employees', digits: 8 }),
      field('AnnualRevenue', 'currency', { label: 'Annual Revenue', precision: 18, scale: 0 }),
      field('BillingCity', 'string', { label: 'Billing City', length: 40 }),
      field('BillingState', 'string', { label: 'Billing State/Province', length: 80 }),
      field('BillingCountry', 'string', { label: 'Billing Country', length: 80 }),
      field('Description', 'textarea', { label: 'Account Description', length: 32000 }),
      owner(),
      ...auditFields(),
    ],
    { customizable: true },
  );

  const permissionSet = obj(
    'PermissionSet',
    '0PS',
    'Permission Sets',
    [
      idField(),
      field('Name', 'string', { length: 80, nillable: false }),
      field('Label', 'string', { length: 80, nillable: false }),
      field('Description', 'string', { length: 255 }),
      sys('IsOwnedByProfile', 'boolean', { label: 'Is Owned By Profile' }),
      sys('NamespacePrefix', 'string', { label: 'Namespace Prefix', length: 15, defaultedOnCreate: false }),
      field('HasActivationRequired', 'boolean', { label: 'Session Activation Required' }),
      ...auditFields().filter((f) => f.name !== 'IsDeleted'),
    ],
    { label: 'Permission Set' },
  );

  const assignment = obj(
    'PermissionSetAssignment',
    '0Pa',
    'Permission Set Assignments',
    [
      idField(),
      field('AssigneeId', 'reference', { label: 'Assignee ID', referenceTo: ['User'], relationshipName: 'Assignee', nillable: false, updateable: false }),
      field('PermissionSetId', 'reference', { label: 'Permission Set ID', referenceTo: ['PermissionSet'], relationshipName: 'PermissionSet', nillable: false, updateable: false }),
      sys('IsActive', 'boolean', { label: 'Is Active', nillable: false, defaultValue: true }),
      sys('SystemModstamp', 'datetime', { label: 'System Modstamp', nillable: false }),
    ],
    { label: 'Permission Set Assignment', updateable: false },
  );

  const fieldPermissions = obj(
    'FieldPermissions',
    '01k',
    'Field Permissions',
    [
      idField(),
      field('ParentId', 'reference', { label: 'Parent ID', referenceTo: ['PermissionSet'], relationshipName: 'Parent', nillable: false, updateable: false }),
      field('SobjectType', 'picklist', { label: 'Sobject Type Name', length: 40, nillable: false, updateable: false }),
      field('Field', 'string', { label: 'Field Name', length: 255, nillable: false, updateable: false }),
      field('PermissionsEdit', 'boolean', { label: 'Edit Field' }),
      field('PermissionsRead', 'boolean', { label: 'Read Field' }),
      ...auditFields().filter((f) => f.name !== 'IsDeleted'),
    ],
    { label: 'Field Permissions' },
  );

  return [contact, lead, task, user, account, permissionSet, assignment, fieldPermissions];
}

// ---------------------------------------------------------------------------------------------
// describe rendering

const SOAP_TYPE: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  combobox: 'xsd:string',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
};

const TEXT_TYPES: ReadonlySet<FieldType> = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'combobox', 'id', 'reference']);

export function isTextType(t: FieldType): boolean {
  return TEXT_TYPES.has(t);
}

/** long text areas (> 255) can't be filtered, sorted or grouped in SOQL */
export function isFilterable(f: FieldDef): boolean {
  return !(f.type === 'textarea' && f.length > 255);
}

export interface FieldAccess {
  def: FieldDef;
  createable: boolean;
  updateable: boolean;
}

function describeField(a: FieldAccess): Record<string, unknown> {
  const f = a.def;
  const filterable = isFilterable(f);
  const text = isTextType(f.type);
  const defaultValue: SfValue = f.type === 'boolean' ? (f.defaultedOnCreate ? f.defaultValue : null) : null;
  return {
    aggregatable: filterable && f.type !== 'boolean',
    aiPredictionField: false,
    autoNumber: false,
    byteLength: text ? f.length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: a.createable,
    custom: f.custom,
    defaultValue,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.digits,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: f.externalId,
    extraTypeInfo: f.type === 'textarea' ? 'plaintextarea' : null,
    filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: filterable && !['double', 'currency', 'percent', 'datetime'].includes(f.type),
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.idLookup,
    inlineHelpText: f.meta?.inlineHelpText ?? null,
    label: f.label,
    length: f.length,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: f.referenceTo.length > 1,
    nillable: f.nillable,
    permissionable: f.custom || (f.nillable && f.createable),
    picklistValues: f.picklistValues
      .filter((p) => p.active)
      .map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: f.precision,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    searchPrefilterable: false,
    soapType: SOAP_TYPE[f.type],
    sortable: filterable,
    type: f.type,
    unique: f.unique,
    updateable: a.updateable,
    writeRequiresMasterRead: false,
  };
}

export function objectUrls(version: string, o: ObjectDef): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    approvalLayouts: `${base}/describe/approvalLayouts`,
    defaultValues: `${base}/defaultValues?recordTypeId&fields`,
    listviews: `${base}/listviews`,
    describe: `${base}/describe`,
    quickActions: `${base}/quickActions`,
    layouts: `${base}/describe/layouts`,
    sobject: base,
  };
}

export function describeGlobalEntry(version: string, o: ObjectDef): Record<string, unknown> {
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: o.createable,
    custom: false,
    customSetting: false,
    deepCloneable: false,
    deletable: o.deletable,
    deprecatedAndHidden: false,
    feedEnabled: o.customizable,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: o.customizable,
    mergeable: o.name === 'Contact' || o.name === 'Lead' || o.name === 'Account',
    mruEnabled: o.customizable,
    name: o.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: o.customizable,
    triggerable: true,
    undeletable: o.deletable,
    updateable: o.updateable,
    urls: objectUrls(version, o),
  };
}

export function describeObject(version: string, o: ObjectDef, fields: FieldAccess[]): Record<string, unknown> {
  return {
    ...describeGlobalEntry(version, o),
    actionOverrides: [],
    childRelationships: [],
    compactLayoutable: o.customizable,
    defaultImplementation: null,
    extendedBy: null,
    extendsInterfaces: null,
    fields: fields.map(describeField),
    implementedBy: null,
    implementsInterfaces: null,
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    searchLayoutable: o.customizable,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [
      { label: 'All', name: 'everything' },
      { label: 'My', name: 'mine' },
    ],
  };
}
