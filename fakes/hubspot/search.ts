// CRM search for contacts (docs/hubspot.md §3.3): filterGroups 5 × 6 (18 total), one sort, limit ≤ 200,
// 10,000-result ceiling, 3,000-character body, archived records never returned.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { validationError } from './errors.js';
import { ctx, parseBody } from './http.js';
import { type FakeContact, type FakeProperty, type PortalState, readProperties, toApiObject } from './state.js';
import { epochOf } from './values.js';

export const MAX_GROUPS = 5;
export const MAX_FILTERS_PER_GROUP = 6;
export const MAX_FILTERS = 18;
export const MAX_LIMIT = 200;
export const MAX_RESULTS = 10_000;
export const MAX_BODY_CHARS = 3000;

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof OPERATORS)[number];

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Filter = z.object({
  propertyName: z.string(),
  operator: z.string(),
  value: Scalar.optional(),
  values: z.array(Scalar).optional(),
  highValue: Scalar.optional(),
});
type Filter = z.infer<typeof Filter>;
const Sort = z.union([
  z.string(),
  z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);
const SearchRequest = z.object({
  filterGroups: z.array(z.object({ filters: z.array(Filter) })).optional(),
  sorts: z.array(Sort).optional(),
  query: z.string().optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().optional(),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
});

/** Properties a free-text `query` looks at for contacts. */
const QUERY_PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company', 'hs_additional_emails'];

type Kind = 'number' | 'time' | 'enum' | 'bool' | 'string';

function kindOf(p: FakeProperty | undefined): Kind {
  switch (p?.type) {
    case 'number':
      return 'number';
    case 'date':
    case 'datetime':
      return 'time';
    case 'enumeration':
      return 'enum';
    case 'bool':
      return 'bool';
    default:
      return 'string';
  }
}

/** Filter values for datetime/date are epoch ms (strings); an ISO string is accepted as well. */
function filterNumber(kind: Kind, v: string): number {
  if (kind === 'time') return /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number(v);
}

function storedNumber(kind: Kind, p: FakeProperty | undefined, stored: string): number {
  return kind === 'time' ? epochOf(p, stored) : Number(stored);
}

function equal(kind: Kind, p: FakeProperty | undefined, stored: string, v: string): boolean {
  switch (kind) {
    case 'number':
    case 'time':
      return storedNumber(kind, p, stored) === filterNumber(kind, v);
    case 'enum':
      // Enumeration filters are case-sensitive; multi-checkbox values match on any selected option.
      return p?.fieldType === 'checkbox' ? stored.split(';').includes(v) : stored === v;
    case 'bool':
      return stored === v.toLowerCase();
    case 'string':
      return stored.toLowerCase() === v.toLowerCase();
  }
}

function compare(kind: Kind, p: FakeProperty | undefined, stored: string, v: string): number {
  if (kind === 'number' || kind === 'time') return storedNumber(kind, p, stored) - filterNumber(kind, v);
  const a = stored.toLowerCase();
  const b = v.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function tokens(s: string): string[] {
  return s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function containsToken(stored: string, v: string): boolean {
  const needle = v.toLowerCase();
  const have = tokens(stored);
  if (needle.includes('*')) {
    const body = needle
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    const re = new RegExp(`^${body}$`, 'u');
    return re.test(stored.toLowerCase()) || have.some((t) => re.test(t));
  }
  if (stored.toLowerCase() === needle) return true;
  const want = tokens(needle);
  if (want.length === 0) return false;
  // A multi-token value (e.g. "acme.com") must appear as consecutive tokens.
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((w, j) => have[i + j] === w)) return true;
  }
  return false;
}

function matches(state: PortalState, c: FakeContact, f: Filter & { operator: Operator }): boolean {
  const p = state.activeProperty(f.propertyName);
  const kind = kindOf(p);
  const stored = c.properties[f.propertyName];
  const has = stored !== undefined && stored !== '';
  const v = f.value ?? '';
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && equal(kind, p, stored, v);
    case 'NEQ':
      return !has || !equal(kind, p, stored, v);
    case 'LT':
      return has && compare(kind, p, stored, v) < 0;
    case 'LTE':
      return has && compare(kind, p, stored, v) <= 0;
    case 'GT':
      return has && compare(kind, p, stored, v) > 0;
    case 'GTE':
      return has && compare(kind, p, stored, v) >= 0;
    case 'BETWEEN':
      return has && compare(kind, p, stored, v) >= 0 && compare(kind, p, stored, f.highValue ?? '') <= 0;
    case 'IN':
    case 'NOT_IN': {
      // String IN/NOT_IN values must be lowercase: they are compared with the lower-cased stored value.
      const list = f.values ?? [];
      const hit = has && list.some((x) => (kind === 'string' ? stored.toLowerCase() === x : equal(kind, p, stored, x)));
      return f.operator === 'IN' ? hit : !hit;
    }
    case 'CONTAINS_TOKEN':
      return has && containsToken(stored, v);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(stored, v);
  }
}

function queryMatches(c: FakeContact, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  return QUERY_PROPERTIES.some((name) => {
    const v = c.properties[name];
    if (v === undefined) return false;
    const lower = v.toLowerCase();
    return lower.startsWith(q) || tokens(v).some((t) => t.startsWith(q)) || lower.includes(q);
  });
}

function validateFilter(f: Filter): Filter & { operator: Operator } {
  if (!(OPERATORS as readonly string[]).includes(f.operator)) {
    throw validationError(
      `Invalid input JSON on line 1, column 1: Cannot deserialize value of type FilterOperatorEnum from String "${f.operator}": not one of the values accepted for Enum class: [${OPERATORS.join(', ')}]`,
    );
  }
  const op = f.operator as Operator;
  const needsValue = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'].includes(op);
  if (needsValue && (f.value === undefined || f.value === '')) {
    throw validationError(`The filter on ${f.propertyName} with operator ${op} requires a value.`);
  }
  if (op === 'BETWEEN' && f.highValue === undefined) throw validationError(`The BETWEEN filter on ${f.propertyName} requires a highValue.`);
  if ((op === 'IN' || op === 'NOT_IN') && (f.values === undefined || f.values.length === 0)) {
    throw validationError(`The ${op} filter on ${f.propertyName} requires a non-empty values list.`);
  }
  if ((op === 'HAS_PROPERTY' || op === 'NOT_HAS_PROPERTY') && (f.value !== undefined || f.values !== undefined)) {
    throw validationError(`The ${op} filter on ${f.propertyName} does not take a value.`);
  }
  return { ...f, operator: op };
}

function sortKey(state: PortalState, name: string) {
  const p = state.activeProperty(name);
  const kind = kindOf(p);
  return (c: FakeContact): number | string | undefined => {
    const v = c.properties[name];
    if (v === undefined || v === '') return undefined;
    return kind === 'number' || kind === 'time' ? storedNumber(kind, p, v) : v.toLowerCase();
  };
}

export function searchRouter(state: PortalState): Router {
  const r = express.Router();
  r.post('/crm/v3/objects/contacts/search', (req: Request, res: Response) => {
    const chars = ctx(req).rawBodyLength;
    if (chars > MAX_BODY_CHARS) {
      throw validationError(`The request body is ${chars} characters long; search requests are limited to ${MAX_BODY_CHARS} characters.`);
    }
    const body = parseBody(SearchRequest, req.body, 'PublicObjectSearchRequest');
    const groups = body.filterGroups ?? [];
    const totalFilters = groups.reduce((n, g) => n + g.filters.length, 0);
    if (groups.length > MAX_GROUPS) {
      throw validationError(`Too many filter groups (${groups.length}). The maximum number of filter groups is ${MAX_GROUPS}.`);
    }
    for (const g of groups) {
      if (g.filters.length > MAX_FILTERS_PER_GROUP) {
        throw validationError(`Too many filters in a filter group (${g.filters.length}). The maximum is ${MAX_FILTERS_PER_GROUP} per group.`);
      }
    }
    if (totalFilters > MAX_FILTERS) {
      throw validationError(`Too many filters (${totalFilters}). The maximum number of filters across all filter groups is ${MAX_FILTERS}.`);
    }
    const sorts = body.sorts ?? [];
    if (sorts.length > 1) throw validationError(`Only one sort is allowed per search request, got ${sorts.length}.`);
    const limit = body.limit ?? 10;
    if (limit < 1 || limit > MAX_LIMIT) throw validationError(`limit must be between 1 and ${MAX_LIMIT}, got ${limit}.`);
    const afterRaw = body.after ?? '0';
    if (!/^\d+$/.test(afterRaw)) throw validationError(`Invalid paging cursor after=${afterRaw}`);
    const after = Number(afterRaw);
    if (after + limit > MAX_RESULTS) {
      throw validationError(
        `The maximum number of results that can be paged through is ${MAX_RESULTS}; after=${after} with limit=${limit} goes beyond it.`,
      );
    }
    const parsedGroups = groups.map((g) => g.filters.map(validateFilter));

    const now = Date.now();
    let hits = state.contactList.filter(
      (c) =>
        !c.archived &&
        c.searchableAt <= now &&
        (parsedGroups.length === 0 || parsedGroups.some((fs) => fs.every((f) => matches(state, c, f)))) &&
        (body.query === undefined || queryMatches(c, body.query)),
    );
    const sort = sorts[0];
    if (sort !== undefined) {
      const name = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
      const desc = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
      const key = sortKey(state, name);
      const keyed = hits.map((c) => ({ c, k: key(c) }));
      keyed.sort((a, b) => {
        if (a.k === undefined || b.k === undefined) {
          if (a.k === b.k) return Number(a.c.id) - Number(b.c.id);
          return a.k === undefined ? 1 : -1; // unset values last
        }
        const d = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
        return (desc ? -d : d) || Number(a.c.id) - Number(b.c.id);
      });
      hits = keyed.map((x) => x.c);
    }
    const page = hits.slice(after, after + limit);
    const out: Record<string, unknown> = {
      total: hits.length,
      results: page.map((c) => toApiObject(c, readProperties(state, c, body.properties))),
    };
    if (after + limit < hits.length) out.paging = { next: { after: String(after + limit) } };
    res.json(out);
  });
  return r;
}
