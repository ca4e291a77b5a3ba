// REST API under /services/data/vXX.X: auth, limits, sObject CRUD, describe, query/queryMore, limits.
import { createMany, deleteMany, retrieveMany, updateMany } from './collections.js';
import { describeGlobalEntry, describeObject } from './describe.js';
import {
  applyCreate,
  applyUpdate,
  injectedError,
  nowStamp,
  parseInput,
  resolveRecordId,
  validateCreate,
  validateUpdate,
} from './dml.js';
import { bearer, header, json, noContent, type Ctx, type HttpResult } from './http.js';
import type { ApiUsage } from './limits.js';
import type { OAuthServer } from './oauth.js';
import { aggregateRecord, compileSoql, executeQuery, renderRecord, type CompiledQuery, type SchemaSource } from './soql.js';
import type { OrgState } from './state.js';
import { RestError, type FakeRecord, type SaveError } from './types.js';
import { formatDateTime, idKey, isPlainObject, parseDateTime, randomToken } from './util.js';

const NOT_FOUND = (): RestError => new RestError(404, 'NOT_FOUND', 'The requested resource does not exist');
const CURSOR_IDLE_MS = 15 * 60_000;
const MAX_CURSORS_PER_USER = 10;

interface Cursor {
  locator: string;
  userId: string;
  query: CompiledQuery;
  ids: string[];
  lastAccess: number;
  createdAt: number;
}

function saveErrorsToRest(errors: SaveError[], status = 400): HttpResult {
  return json(
    status,
    errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  );
}

export const API_VERSIONS = ['55.0', '56.0', '57.0', '58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0', '65.0'];

export class RestApi {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly state: OrgState,
    private readonly oauth: OAuthServer,
    private readonly usage: ApiUsage,
    private readonly baseUrl: () => string,
  ) {}

  /** GET /services/data — no auth, doesn't count */
  versions(): HttpResult {
    return json(
      200,
      API_VERSIONS.map((v) => ({ label: `v${v}`, url: `/services/data/v${v}`, version: v })),
    );
  }

  handle(ctx: Ctx, version: string, sub: string): HttpResult {
    ctx.log.kind = 'rest';
    ctx.log.apiVersion = version;
    const userId = this.oauth.userOf(bearer(ctx));
    if (!userId) return json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    if (this.usage.exhausted()) return this.usage.limitExceeded();
    this.usage.count();
    ctx.log.countsTowardLimit = true;
    try {
      return this.route(ctx, version, sub, userId);
    } catch (e) {
      if (e instanceof RestError) return json(e.status, e.toBody());
      const msg = e instanceof Error ? e.message : String(e);
      return json(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: `An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1) [fake: ${msg}]` }]);
    }
  }

  private route(ctx: Ctx, version: string, sub: string, userId: string): HttpResult {
    const parts = sub.split('/').filter(Boolean).map(decodeURIComponent);
    const m = ctx.method;
    const [p0, p1, p2, p3] = parts;
    if (parts.length === 0) {
      if (m !== 'GET') throw methodNotAllowed(m, 'GET');
      return json(200, this.resources(version));
    }
    switch (p0) {
      case 'limits':
        if (m !== 'GET') throw methodNotAllowed(m, 'GET');
        return json(200, this.usage.limitsBody());
      case 'query':
      case 'queryAll': {
        if (m !== 'GET') throw methodNotAllowed(m, 'GET');
        if (p1) return this.queryMore(ctx, version, p1, userId);
        return this.query(ctx, version, p0 === 'queryAll', userId);
      }
      case 'sobjects':
        return this.sobjects(ctx, version, parts.slice(1), userId);
      case 'composite': {
        if (p1 !== 'sobjects') throw NOT_FOUND();
        if (p2 && !p3) {
          if (m !== 'POST' && m !== 'GET') throw methodNotAllowed(m, 'GET, POST');
          return retrieveMany(this.state, ctx, userId, p2, version);
        }
        if (p2) throw NOT_FOUND();
        if (m === 'POST') return createMany(this.state, ctx, userId);
        if (m === 'PATCH') return updateMany(this.state, ctx, userId);
        if (m === 'DELETE') return deleteMany(this.state, ctx, userId);
        throw methodNotAllowed(m, 'POST, PATCH, DELETE');
      }
      default:
        throw NOT_FOUND();
    }
  }

  private resources(version: string): Record<string, string> {
    const b = `/services/data/v${version}`;
    return {
      tooling: `${b}/tooling`,
      metadata: `${b}/metadata`,
      composite: `${b}/composite`,
      query: `${b}/query`,
      queryAll: `${b}/queryAll`,
      sobjects: `${b}/sobjects`,
      limits: `${b}/limits`,
      search: `${b}/search`,
      identity: `${this.baseUrl()}/id/${this.state.orgId}/${this.state.userId}`,
      recent: `${b}/recent`,
    };
  }

  // ------------------------------------------------------------------ sobjects

  private sobjects(ctx: Ctx, version: string, parts: string[], userId: string): HttpResult {
    const m = ctx.method;
    const [typeName, second, third] = parts;
    if (!typeName) {
      if (m !== 'GET') throw methodNotAllowed(m, 'GET');
      return json(200, {
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: this.state.allObjects().map((o) => describeGlobalEntry(version, o)),
      });
    }
    const object = this.state.object(typeName);
    if (!object) throw NOT_FOUND();
    if (!second) {
      if (m === 'GET') {
        return json(200, { objectDescribe: describeGlobalEntry(version, object), recentItems: [] });
      }
      if (m === 'POST') return this.createOne(ctx, object.name, userId);
      throw methodNotAllowed(m, 'GET, HEAD, POST');
    }
    if (second === 'describe' && !third) {
      if (m !== 'GET') throw methodNotAllowed(m, 'GET');
      const access = [...this.state.fieldAccess(object.name, userId).values()];
      return json(200, describeObject(version, object, access));
    }
    if ((second === 'updated' || second === 'deleted') && !third) {
      if (m !== 'GET') throw methodNotAllowed(m, 'GET');
      return this.replication(ctx, object.name, second);
    }
    if (third) throw NOT_FOUND();
    // /sobjects/{type}/{id}
    if (m === 'GET') return this.getOne(ctx, version, object.name, second, userId);
    if (m === 'PATCH') return this.updateOne(ctx, object.name, second, userId);
    if (m === 'DELETE') return this.deleteOne(object.name, second, userId);
    throw methodNotAllowed(m, 'GET, PATCH, DELETE, HEAD');
  }

  private bodyObject(ctx: Ctx): Record<string, unknown> {
    let body: unknown;
    try {
      body = JSON.parse(ctx.body || 'null');
    } catch (e) {
      throw new RestError(400, 'JSON_PARSER_ERROR', `${(e as Error).message} at [line:1, column:1]`);
    }
    if (!isPlainObject(body)) {
      throw new RestError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from non-object value at [line:1, column:1]');
    }
    return body;
  }

  private createOne(ctx: Ctx, typeName: string, userId: string): HttpResult {
    const object = this.state.object(typeName);
    if (!object) throw NOT_FOUND();
    const parsed = parseInput(this.state, object, this.bodyObject(ctx), userId);
    const res = validateCreate(this.state, parsed, new Set());
    if (!res.ok) return saveErrorsToRest(res.errors);
    const rec = applyCreate(this.state, res.plan, nowStamp(this.state), userId);
    return json(201, { id: rec.Id, success: true, errors: [] });
  }

  private updateOne(ctx: Ctx, typeName: string, id: string, userId: string): HttpResult {
    const object = this.state.object(typeName);
    if (!object) throw NOT_FOUND();
    const body = this.bodyObject(ctx);
    const existing = this.state.get(id);
    if (!existing || !existing.Id.startsWith(object.keyPrefix)) {
      throw new RestError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
    }
    if (existing['IsDeleted'] === true) throw new RestError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const parsed = parseInput(this.state, object, { ...body, Id: id }, userId);
    const res = validateUpdate(this.state, parsed);
    if (!res.ok) return saveErrorsToRest(res.errors);
    applyUpdate(this.state, res.plan, nowStamp(this.state), userId);
    return noContent();
  }

  private deleteOne(typeName: string, id: string, userId: string): HttpResult {
    const object = this.state.object(typeName);
    if (!object) throw NOT_FOUND();
    const existing = this.state.get(id);
    if (!existing || !existing.Id.startsWith(object.keyPrefix)) throw NOT_FOUND();
    const res = resolveRecordId(this.state, object, id);
    if (!res.ok) return saveErrorsToRest([res.error], res.error.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400);
    if (!object.deletable) throw new RestError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${object.name}`);
    const inj = injectedError(this.state, res.record.Id);
    if (inj) return saveErrorsToRest([inj]);
    this.state.softDelete(res.record.Id, { stamp: nowStamp(this.state), byUserId: userId });
    return noContent();
  }

  private getOne(ctx: Ctx, version: string, typeName: string, id: string, userId: string): HttpResult {
    const object = this.state.object(typeName);
    if (!object) throw NOT_FOUND();
    const rec = this.state.get(id);
    if (!rec || rec['IsDeleted'] === true || !rec.Id.startsWith(object.keyPrefix)) throw NOT_FOUND();
    const access = this.state.fieldAccess(object.name, userId);
    const fieldsParam = ctx.url.searchParams.get('fields');
    const defs = fieldsParam
      ? fieldsParam.split(',').map((f) => {
          const a = access.get(f.trim().toLowerCase());
          if (!a) {
            throw new RestError(
              400,
              'INVALID_FIELD',
              `No such column '${f.trim()}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
            );
          }
          return a.def;
        })
      : [...access.values()].map((a) => a.def);
    const out: Record<string, unknown> = { attributes: { type: object.name, url: `/services/data/v${version}/sobjects/${object.name}/${rec.Id}` } };
    for (const d of defs) out[d.name] = d.type === 'id' ? rec.Id : (rec[d.name] ?? null);
    return json(200, out);
  }

  /** GET /sobjects/{type}/updated|deleted?start=&end= */
  private replication(ctx: Ctx, typeName: string, kind: 'updated' | 'deleted'): HttpResult {
    const startRaw = ctx.url.searchParams.get('start');
    const endRaw = ctx.url.searchParams.get('end');
    const start = startRaw ? parseDateTime(startRaw) : null;
    const end = endRaw ? parseDateTime(endRaw) : null;
    if (!start || !end) throw new RestError(400, 'MALFORMED_QUERY', 'start and end must be ISO 8601 datetimes');
    if (end <= start) throw new RestError(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate by more than one minute');
    const earliest = formatDateTime(Date.now() - 30 * 86_400_000);
    if (start < earliest) throw new RestError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    // latestDateCovered: minute precision, not after "now"
    const nowStr = formatDateTime(Math.floor(Date.now() / 60_000) * 60_000);
    const latest = end < nowStr ? end.replace(/:\d{2}\.\d{3}/, ':00.000') : nowStr;
    const records = [...this.state.recordMap(typeName).values()];
    if (kind === 'updated') {
      const ids = records
        .filter((r) => r['IsDeleted'] !== true && String(r['SystemModstamp']) >= start && String(r['SystemModstamp']) < latest)
        .map((r) => r.Id);
      if (ids.length > 600_000) throw new RestError(400, 'EXCEEDED_ID_LIMIT', 'too many ids');
      return json(200, { ids, latestDateCovered: latest });
    }
    const deletedRecords = records
      .filter((r) => r['IsDeleted'] === true)
      .map((r) => ({ id: r.Id, deletedDate: this.state.deletedAt.get(idKey(r.Id)) ?? String(r['SystemModstamp']) }))
      .filter((d) => d.deletedDate >= start && d.deletedDate < latest);
    return json(200, { deletedRecords, earliestDateAvailable: earliest, latestDateCovered: latest });
  }

  // ------------------------------------------------------------------ query

  private schemaFor(userId: string): SchemaSource {
    const state = this.state;
    return {
      object: (name) => state.object(name),
      fieldAccess: (name) => state.fieldAccess(name, userId),
      get: (id) => state.get(id),
      typeOf: (id) => state.typeOf(id),
    };
  }

  private batchSize(ctx: Ctx): number {
    const h = header(ctx, 'sforce-query-options');
    const m = h ? /batchSize\s*=\s*(\d+)/i.exec(h) : null;
    const n = m ? Number(m[1]) : 2000;
    return Math.min(2000, Math.max(200, n));
  }

  private query(ctx: Ctx, version: string, all: boolean, userId: string): HttpResult {
    const soql = ctx.url.searchParams.get('q');
    if (soql === null || soql.trim() === '') throw new RestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    ctx.log.soql = soql;
    const compiled = compileSoql(soql, this.schemaFor(userId));
    const state = this.state;
    const rows = executeQuery(
      compiled,
      () => state.recordMap(compiled.object.name).values(),
      (key) => state.get(key),
      all,
    );
    if (compiled.countOnly) return json(200, { totalSize: rows.length, done: true, records: [] });
    if (compiled.aggregates.length > 0) {
      return json(200, { totalSize: 1, done: true, records: [aggregateRecord(compiled, rows)] });
    }
    const ids = rows.map((r) => r.Id);
    return this.page(ctx, version, compiled, ids, 0, userId, null);
  }

  private page(
    ctx: Ctx,
    version: string,
    compiled: CompiledQuery,
    ids: string[],
    offset: number,
    userId: string,
    cursor: Cursor | null,
  ): HttpResult {
    const size = this.batchSize(ctx);
    const slice = ids.slice(offset, offset + size);
    const records = slice
      .map((id) => this.state.get(id))
      .filter((r): r is FakeRecord => r !== undefined)
      .map((r) => renderRecord(compiled, r, version, (id) => this.state.get(id), (id) => this.state.typeOf(id)));
    const nextOffset = offset + slice.length;
    const done = nextOffset >= ids.length;
    const body: Record<string, unknown> = { totalSize: ids.length, done };
    if (!done) {
      const c = cursor ?? this.openCursor(userId, compiled, ids);
      c.lastAccess = Date.now();
      body['nextRecordsUrl'] = `/services/data/v${version}/query/${c.locator}-${nextOffset}`;
    } else if (cursor) {
      this.cursors.delete(cursor.locator);
    }
    body['records'] = records;
    return json(200, body);
  }

  private openCursor(userId: string, query: CompiledQuery, ids: string[]): Cursor {
    // a user has at most 10 open cursors; opening another releases the oldest
    const mine = [...this.cursors.values()].filter((c) => c.userId === userId).sort((a, b) => a.createdAt - b.createdAt);
    while (mine.length >= MAX_CURSORS_PER_USER) {
      const oldest = mine.shift();
      if (oldest) this.cursors.delete(oldest.locator);
    }
    const locator = `01g${randomToken(12).replace(/[-_]/g, 'x').slice(0, 12)}AAA`;
    const c: Cursor = { locator, userId, query, ids, lastAccess: Date.now(), createdAt: Date.now() };
    this.cursors.set(locator, c);
    return c;
  }

  private queryMore(ctx: Ctx, version: string, locatorWithOffset: string, userId: string): HttpResult {
    const m = /^(.+)-(\d+)$/.exec(locatorWithOffset);
    const invalid = (): RestError => new RestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    if (!m) throw invalid();
    const c = this.cursors.get(m[1] ?? '');
    if (!c || c.userId !== userId) throw invalid();
    if (Date.now() - c.lastAccess > CURSOR_IDLE_MS) {
      this.cursors.delete(c.locator);
      throw invalid();
    }
    const offset = Number(m[2]);
    if (offset > c.ids.length) throw invalid();
    c.lastAccess = Date.now();
    return this.page(ctx, version, c.query, c.ids, offset, userId, c);
  }
}

function methodNotAllowed(method: string, allowed: string): RestError {
  return new RestError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}
