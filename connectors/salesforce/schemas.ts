// What Salesforce sends back, parsed at the edge. Only the parts the connector reads are declared; unknown keys are
// dropped. Nothing here imports jsforce, so these types are the connector's own and never leak an SDK type.
import { z } from 'zod';

export const TokenResponse = z.object({
  access_token: z.string().min(1),
  /** Only on the code grant, and on refresh when the app rotates refresh tokens. */
  refresh_token: z.string().min(1).optional(),
  instance_url: z.url(),
  /** Identity URL: https://login.salesforce.com/id/{orgId}/{userId} */
  id: z.url(),
  issued_at: z.string().optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const OAuthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

export const Identity = z.object({
  user_id: z.string(),
  organization_id: z.string(),
  username: z.string().nullish(),
  display_name: z.string().nullish(),
});

export const PicklistEntry = z.object({
  value: z.string(),
  label: z.string().nullish(),
  active: z.boolean(),
  defaultValue: z.boolean().default(false),
});

export const DescribeField = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  length: z.number().default(0),
  updateable: z.boolean().default(false),
  createable: z.boolean().default(false),
  nillable: z.boolean().default(true),
  custom: z.boolean().default(false),
  picklistValues: z.array(PicklistEntry).default([]),
  restrictedPicklist: z.boolean().default(false),
});
export type DescribeField = z.infer<typeof DescribeField>;

export const DescribeResult = z.object({ name: z.string(), fields: z.array(DescribeField) });
export type DescribeResult = z.infer<typeof DescribeResult>;

export const SfRecord = z.record(z.string(), z.unknown());
export type SfRecord = z.infer<typeof SfRecord>;

export const QueryResult = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(SfRecord),
});
export type QueryResult = z.infer<typeof QueryResult>;

/** Per-record error in collections and DML results. Salesforce says `statusCode`; jsforce's types say `errorCode`. */
export const SaveError = z
  .object({ statusCode: z.string().optional(), errorCode: z.string().optional(), message: z.string().default(''), fields: z.array(z.string()).default([]) })
  .transform((e) => ({ statusCode: e.statusCode ?? e.errorCode ?? 'UNKNOWN', message: e.message, fields: e.fields }));
export type SaveError = z.infer<typeof SaveError>;

export const SaveResult = z.object({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z.array(SaveError).default([]),
});
export type SaveResult = z.infer<typeof SaveResult>;

export const SaveResults = z.array(SaveResult);
export const RetrieveResults = z.array(SfRecord.nullable());

/** Metadata API upsert result after jsforce's SOAP schema cast (booleans are booleans, errors an array). */
export const MetadataSaveResult = z.object({
  fullName: z.string().default(''),
  success: z.boolean(),
  created: z.boolean().optional(),
  errors: z
    .array(z.object({ statusCode: z.string().nullish(), message: z.string().nullish() }))
    .nullish()
    .transform((errs) => (errs ?? []).map((e) => ({ statusCode: e.statusCode ?? 'UNKNOWN', message: e.message ?? '' }))),
});
export type MetadataSaveResult = z.infer<typeof MetadataSaveResult>;
export const MetadataSaveResults = z.array(MetadataSaveResult);
