// Transient database errors of both backends: the job queue retries them, the HTTP layer answers 503 + Retry-After.
import { describe, expect, it } from 'vitest';
import type { Request, Response } from 'express';
import { classifyError, isTransientDbError, pgTransientReason } from '../../src/lib/errors.js';
import { errorHandler } from '../../src/http/errors.js';
import type { Logger } from '../../src/lib/logger.js';

/** An error as node-pg raises it: the SQLSTATE on `code`. */
function pgError(code: string, message = 'pg says no'): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'SqliteError', code });
}

const BUSY = ['40001', '40P01', '55P03', '57014'];
const UNAVAILABLE = ['57P01', '08006', '08003', '08001', '53300'];

describe('classifyError on database errors', () => {
  it.each(BUSY)('when PostgreSQL fails with %s, then the job is retried as db_busy', (code) => {
    expect(classifyError(pgError(code))).toEqual({ retry: true, reason: 'db_busy' });
  });

  it.each(UNAVAILABLE)('when PostgreSQL fails with %s, then the job is retried as db_unavailable', (code) => {
    expect(classifyError(pgError(code))).toEqual({ retry: true, reason: 'db_unavailable' });
  });

  it('when the PostgreSQL error is the cause of a wrapping error, then its code still counts', () => {
    const wrapped = new Error('query failed', { cause: pgError('40P01') });
    expect(pgTransientReason(wrapped)).toBe('db_busy');
    expect(classifyError(wrapped).reason).toBe('db_busy');
  });

  it('when PostgreSQL fails for good (unique violation, syntax error), then it is not classified as a transient database error', () => {
    expect(pgTransientReason(pgError('23505'))).toBeUndefined();
    expect(pgTransientReason(pgError('42601'))).toBeUndefined();
    expect(classifyError(pgError('23505')).reason).toBe('unexpected');
  });

  it('when SQLite is busy, then the job is retried as db_busy as before', () => {
    expect(classifyError(sqliteError('SQLITE_BUSY', 'database is locked'))).toEqual({ retry: true, reason: 'db_busy' });
  });
});

describe('isTransientDbError', () => {
  it('when the error is SQLite busy or locked or a transient PostgreSQL code, then it is transient', () => {
    expect(isTransientDbError(sqliteError('SQLITE_BUSY', 'database is locked'))).toBe(true);
    expect(isTransientDbError(sqliteError('SQLITE_LOCKED', 'database table is locked'))).toBe(true);
    for (const code of [...BUSY, ...UNAVAILABLE]) expect(isTransientDbError(pgError(code))).toBe(true);
  });

  it('when the error is anything else, then it is not transient', () => {
    expect(isTransientDbError(sqliteError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'))).toBe(false);
    expect(isTransientDbError(pgError('23505'))).toBe(false);
    expect(isTransientDbError(new Error('boom'))).toBe(false);
    expect(isTransientDbError(undefined)).toBe(false);
  });
});

describe('errorHandler on database errors', () => {
  function respond(err: unknown) {
    const out: { status?: number; headers: Record<string, string>; body?: unknown; logged: string[] } = { headers: {}, logged: [] };
    const res = {
      headersSent: false,
      locals: {},
      status(s: number) {
        out.status = s;
        return res;
      },
      set(k: string, v: string) {
        out.headers[k] = v;
        return res;
      },
      json(b: unknown) {
        out.body = b;
        return res;
      },
    };
    const log = { warn: (_o: unknown, m: string) => out.logged.push(`warn ${m}`), error: (_o: unknown, m: string) => out.logged.push(`error ${m}`) };
    errorHandler(log as unknown as Logger)(err, { path: '/v1/profile/enrich', method: 'POST' } as Request, res as unknown as Response, () => {});
    return out;
  }

  it.each([...BUSY, ...UNAVAILABLE])('when a request fails with PostgreSQL %s, then it answers 503 with Retry-After', (code) => {
    const out = respond(pgError(code));
    expect(out.status).toBe(503);
    expect(out.headers['Retry-After']).toBe('5');
    expect(out.body).toEqual({ error: 'Service Unavailable', message: 'storage is busy, retry shortly' });
  });

  it('when a request fails with SQLITE_BUSY, then it answers 503 as before', () => {
    expect(respond(sqliteError('SQLITE_BUSY', 'database is locked')).status).toBe(503);
  });

  it('when a request fails with a permanent PostgreSQL error, then it answers 500 and logs it', () => {
    const out = respond(pgError('23505', 'duplicate key value'));
    expect(out.status).toBe(500);
    expect(out.logged).toEqual(['error request failed']);
  });
});
