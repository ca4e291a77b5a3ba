// Shared types of the Salesforce fake. No runtime code except small constructors.

/** A stored field value. Datetimes are kept in Salesforce's wire format
 * (`2025-01-01T00:00:00.000+0000`, always UTC) so lexical order == chronological order;
 * dates are `YYYY-MM-DD`. */
export type SfValue = string | number | boolean | null;

export interface FakeRecord {
  Id: string;
  [field: string]: SfValue;
}

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'combobox'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'double'
  | 'int'
  | 'currency'
  | 'percent'
  | 'reference';

export interface PicklistEntry {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  custom: boolean;
  /** createable/updateable as far as the schema goes (FLS for custom fields is applied on top) */
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  /** default for new records (picklist default / checkbox default) */
  defaultValue: SfValue;
  calculated: boolean;
  picklistValues: PicklistEntry[];
  restrictedPicklist: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  externalId: boolean;
  unique: boolean;
  nameField: boolean;
  idLookup: boolean;
  /** metadata definition for custom fields created through the Metadata API */
  meta?: CustomFieldMeta;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  /** custom fields may be added through the Metadata API */
  customizable: boolean;
  /** lower-case field name → definition */
  fields: Map<string, FieldDef>;
}

export interface CustomValueMeta {
  fullName: string;
  label: string;
  default: boolean;
  isActive: boolean;
}

export interface CustomFieldMeta {
  fullName: string;
  label: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  visibleLines?: number;
  defaultValue?: string;
  description?: string;
  inlineHelpText?: string;
  required: boolean;
  externalId: boolean;
  unique: boolean;
  valueSet?: { restricted: boolean; sorted: boolean; values: CustomValueMeta[] };
}

export interface FieldPermissionMeta {
  field: string;
  readable: boolean;
  editable: boolean;
}

export interface PermissionSetMeta {
  fullName: string;
  label: string;
  description?: string;
  hasActivationRequired: boolean;
  fieldPermissions: FieldPermissionMeta[];
}

/** error inside a save result (collections use `statusCode`) */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** An error that maps to a whole-request REST error: `[{message, errorCode}]` with an HTTP status. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
    this.name = errorCode;
  }
  toBody(): { message: string; errorCode: string; fields?: string[] }[] {
    return [
      this.fields === undefined
        ? { message: this.message, errorCode: this.errorCode }
        : { message: this.message, errorCode: this.errorCode, fields: this.fields },
    ];
  }
}

export type RequestKind = 'oauth' | 'identity' | 'rest' | 'soap' | 'metadata';

export interface FakeRequest {
  at: Date;
  method: string;
  path: string;
  query?: Record<string, string>;
  status: number;
  kind: RequestKind;
  countsTowardLimit: boolean;
  /** REST API version used (`62.0`) */
  apiVersion?: string;
  /** SOQL text for /query and /queryAll */
  soql?: string;
  /** SOAP operation (`upsertMetadata`, ...) */
  operation?: string;
  /** the `Sforce-Call-Options` header, if sent */
  callOptions?: string;
  /** true when the response came from `inject()` */
  injected?: boolean;
}
