// The Connector port: everything the CRM-agnostic sync layer may ask of a CRM. HubSpot and Salesforce implement
// it behind a factory (connectors/<crm>/index.ts); no SDK type crosses this file.

export type CrmKind = 'hubspot' | 'salesforce';
/** HubSpot has contacts only; Salesforce has Contacts and Leads. */
export type ObjectType = 'contact' | 'lead';

/**
 * A field value in its logical form, the same for every CRM: text as string, numbers as number, checkboxes as
 * boolean, dates as 'YYYY-MM-DD', datetimes as ISO-8601 UTC ('2026-11-26T06:00:00.000Z'), picklists as the
 * option value. Connectors parse what they read into this form and serialise it for their API when writing.
 */
export type FieldValue = string | number | boolean | null;

export type FieldType = 'string' | 'textarea' | 'number' | 'bool' | 'date' | 'datetime' | 'enumeration' | 'url' | 'phone' | 'email' | 'reference' | 'other';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  /** Allowed option values for enumerations / picklists (active ones only). */
  options?: { value: string; label: string }[];
  /** False for read-only or calculated fields, and for fields the connected user may not edit. */
  updateable: boolean;
  maxLength?: number;
}

export interface ContactRef {
  objectType: ObjectType;
  id: string;
}

export interface CrmContact extends ContactRef {
  email: string | null;
  linkedinUrl: string | null;
  /** HubSpot `hubspot_owner_id`, Salesforce `OwnerId`. */
  ownerId: string | null;
  /** Display name for task subjects ("Ada Lovelace"). */
  name: string | null;
  /** The record's own first and last name (HubSpot firstname/lastname, Salesforce FirstName/LastName), when read. */
  firstName?: string | null;
  lastName?: string | null;
  /** ISO-8601. */
  createdAt: string | null;
  /** Current values of the requested fields, in logical form; absent = not readable. */
  values: Record<string, FieldValue>;
  /** A record that must not be written (a converted Salesforce Lead). */
  readOnly?: boolean;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms; null when the CRM does not say (Salesforce): refresh on INVALID_SESSION_ID instead. */
  expiresAt: number | null;
  /** Salesforce API host of the org. */
  instanceUrl?: string | undefined;
}

export interface InstallResult {
  /** HubSpot portal (hub) id / Salesforce org id: one connection per external id. */
  externalId: string;
  /** Salesforce user id of the installing user (for permission set assignment); HubSpot user id. */
  userId: string | null;
  /** Human hint shown on the admin page (hub domain, username). */
  label: string | null;
  tokens: TokenSet;
}

/**
 * Where a session keeps its tokens. The sync layer implements it on the database (encrypted at rest) with a
 * cross-process refresh lock, so two processes never refresh one connection at once.
 */
export interface TokenStore {
  load(): TokenSet;
  save(tokens: TokenSet): void;
  /**
   * Runs `refresh` while holding the connection's refresh lock; `current` is the freshly reloaded token set. The
   * token set `refresh` returns is persisted before the lock is released (so a rotated refresh token is never lost).
   */
  withRefreshLock(refresh: (current: TokenSet) => Promise<TokenSet>): Promise<TokenSet>;
}

export interface ProvisionReport {
  created: string[];
  existing: string[];
  /** Fields we could not create or may not write, with why (shown on the admin page; retried later). */
  missing: { objectType: ObjectType; name: string; reason: string }[];
  warnings: string[];
}

export interface Page {
  contacts: CrmContact[];
  /** Opaque cursor for the next page; null at the end. */
  next: string | null;
}

export interface CreatedSincePage extends Page {
  /** The highest creation timestamp seen (ISO), to store as the next high-water mark. */
  highWater: string | null;
}

export interface WriteRequest {
  ref: ContactRef;
  values: Record<string, FieldValue>;
}

export type WriteOutcome =
  | { ref: ContactRef; ok: true }
  | { ref: ContactRef; ok: false; retryable: boolean; code: string; message: string; waitMs?: number; deleted?: boolean };

export interface TaskRequest {
  ref: ContactRef;
  ownerId: string | null;
  subject: string;
  body: string;
  /** Due date/time, epoch ms. */
  dueAt: number;
  /** Unique text placed in the task body so a retry can find a task created before a crash. */
  marker: string;
}

/** A record or task owner as the admin pages name them. */
export interface CrmOwner {
  id: string;
  name: string | null;
  email: string | null;
}

/** Reports API budget information a CRM sends back (Salesforce `Sforce-Limit-Info`). */
export interface ApiUsage {
  used: number;
  limit: number;
}

/** One connected CRM account, with tokens refreshed behind the caller's back. Every method may throw the
 * error types of src/lib/errors.ts (RetryAfterError, ReauthRequiredError, NonRetryableError, BudgetExhaustedError). */
export interface CrmSession {
  readonly objectTypes: readonly ObjectType[];
  describe(objectType: ObjectType): Promise<FieldDef[]>;
  /** Creates our custom fields (group, properties / custom fields + field permissions); idempotent. */
  provision(): Promise<ProvisionReport>;
  /** Batch read by ids (chunked inside to the CRM's limit); ids that do not exist (deleted) are left out. */
  read(objectType: ObjectType, ids: string[], fields: string[]): Promise<CrmContact[]>;
  /** Records whose email is exactly this one (at most 10; the admin pages let an operator name a contact by email). */
  findByEmail(objectType: ObjectType, email: string, fields: string[]): Promise<CrmContact[]>;
  /** Every record, page by page (backfill). */
  list(objectType: ObjectType, p: { cursor: string | null; fields: string[] }): Promise<Page>;
  /** Records created at or after `since` (ISO; null = from the beginning), oldest first. */
  createdSince(objectType: ObjectType, p: { since: string | null; cursor: string | null; fields: string[] }): Promise<CreatedSincePage>;
  /** Batch write (chunked inside to the CRM's limit); one outcome per request, in order. */
  write(objectType: ObjectType, requests: WriteRequest[]): Promise<WriteOutcome[]>;
  /** A task created earlier with this marker on this record, if any (crash recovery). */
  findTask(ref: ContactRef, marker: string): Promise<string | null>;
  createTask(task: TaskRequest): Promise<string>;
  /** The tasks of these ids that still exist, and whether someone completed each (ids deleted are left out). */
  taskStates(ids: string[]): Promise<{ id: string; completed: boolean }[]>;
  /** Deletes tasks (chunked inside); one outcome per id, in order. A task already gone counts as deleted. */
  deleteTasks(ids: string[]): Promise<{ id: string; ok: boolean; message?: string }[]>;
  /** The users these owner ids name (HubSpot owners, Salesforce Users); ids the CRM does not know are left out. */
  owners(ids: string[]): Promise<CrmOwner[]>;
  /** Number of records (for progress bars); null when counting would cost too much. */
  count(objectType: ObjectType): Promise<number | null>;
  /** Latest known API usage, if the CRM reports it. */
  apiUsage(): ApiUsage | null;
}

export interface ConnectionHandle {
  id: string;
  externalId: string;
  userId: string | null;
  tokens: TokenStore;
}

/** What an inbound HTTP request (webhook, Outbound Message) looked like, for the connector to verify and parse. */
export interface InboundRequest {
  method: string;
  /** The URL the CRM called (public base URL + path + query), which signatures may cover. */
  url: string;
  rawBody: Buffer;
  header(name: string): string | undefined;
  now: number;
}

/** One record an inbound notification asks us to enrich, with the portal / org it belongs to. */
export interface InboundRecord {
  externalId: string;
  objectType: ObjectType;
  id: string;
}

export type InboundParse =
  /** `received` events or notifications, of which `skipped` were of a kind or shape we do not handle. */
  | { ok: true; records: InboundRecord[]; received: number; skipped: number }
  | { ok: false; status: 400 | 401; reason: string };

export type InboundOutcome =
  | { ok: true; received: number; queued: number; duplicates: number; skipped: number }
  | { ok: false; status: number; reason: string };

/** The CRM's push channel: how big a delivery may be, how to read it, and the answer the CRM expects. */
export interface InboundChannel {
  /** How queued jobs name where they came from ('webhook', 'outbound_message'). */
  readonly source: string;
  /** Larger bodies are refused before they are read into memory. */
  readonly maxBodyBytes: number;
  /** Verifies (where the CRM signs) and parses a delivery; cheap to refuse, bounded in work. */
  parse(req: InboundRequest): InboundParse;
  reply(outcome: InboundOutcome): { status: number; contentType: string; body: string };
}

export interface Connector {
  readonly crm: CrmKind;
  /** Deliveries the CRM pushes to us (HubSpot webhooks, Salesforce Outbound Messages). */
  readonly inbound: InboundChannel;
  /** False while the client id / secret are unset: install is refused with the reason. */
  readonly configured: boolean;
  /** What an operator does to configure it ("set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET"), for messages. */
  readonly setupHint: string;
  /** The record types this CRM has, in sync order (HubSpot: contacts; Salesforce: Contacts, then Leads). */
  readonly objectTypes: readonly ObjectType[];
  readonly usesPkce: boolean;
  authorizeUrl(p: { state: string; redirectUri: string; codeChallenge?: string }): string;
  exchangeCode(p: { code: string; redirectUri: string; codeVerifier?: string }): Promise<InstallResult>;
  session(conn: ConnectionHandle): CrmSession;
  /** Revokes the refresh token where the CRM allows it (disconnect). */
  revoke(tokens: TokenSet): Promise<void>;
}

/** Call limits shared by every process calling one CRM account (several service nodes on one database). All
 * methods are synchronous and atomic; times are epoch ms. Connectors keep their limits in memory without one. */
export interface CallWindowStore {
  /** Sliding window `key` of at most `max` held slots: when fewer are held at `now` (a slot is free once its end
   * has passed) and no pause runs, holds `slot` until `holdUntil` and returns 0. Otherwise records nothing and
   * returns how long to wait (ms, > 0) until the earliest slot end or the pause end. */
  take(key: string, slot: string, max: number, now: number, holdUntil: number): number;
  /** Moves the end of a held slot to `until` (its request settled); nothing when the slot is gone. */
  release(key: string, slot: string, until: number): void;
  /** No new slot of `key` before `until` (an earlier pause end never shortens a running pause). */
  pause(key: string, until: number): void;
}

/** A CRM account's API usage as last read, and when (epoch ms). */
export interface ApiUsageReading extends ApiUsage {
  at: number;
}

/** The last known API usage per CRM account, shared by every process (Salesforce budget pauses). */
export interface ApiUsageStore {
  load(key: string): ApiUsageReading | null;
  /** Keeps the newest reading: one older than the stored one is ignored. */
  save(key: string, reading: ApiUsageReading): void;
}
