// The PostgreSQL engine behind the repositories' Db handle: better-sqlite3's API (prepare / get / all / run /
// pluck, transaction, exec) over a synchronous connection. Transactions keep SQLite's single-writer meaning:
// each takes one transaction-scoped advisory lock per schema, so the check-then-write transactions the code
// relies on (claims, windows, credit reservations, firings) stay serialised across every node.
import { createHash } from 'node:crypto';
import type { Db, DbStatement, DbTransaction, RunResult } from '../db.js';
import { SyncPgConnection, type SyncConnectionOptions } from './sync-connection.js';
import { bindValues, translate, type Translated } from './translate.js';

type AnyFn = (...args: any[]) => unknown;

class PgStatement<P extends unknown[], R> implements DbStatement<P, R> {
  private plucked = false;
  private readonly t: Translated;

  constructor(
    private readonly db: PgDb,
    readonly source: string,
  ) {
    this.t = translate(source);
  }

  pluck(toggleState = true): this {
    this.plucked = toggleState;
    return this;
  }

  run(...params: P): RunResult {
    this.db.checkTransaction();
    const res = this.db.connection.query(this.t.text, bindValues(this.t, params));
    return { changes: res.rowCount, lastInsertRowid: 0 };
  }

  get(...params: P): R | undefined {
    return this.all(...params)[0];
  }

  all(...params: P): R[] {
    this.db.checkTransaction();
    if (this.plucked) return this.db.connection.query<unknown[]>(this.t.text, bindValues(this.t, params), 'array').rows.map((r) => r[0]) as R[];
    return this.db.connection.query<R>(this.t.text, bindValues(this.t, params)).rows;
  }

  iterate(...params: P): IterableIterator<R> {
    return this.all(...params)[Symbol.iterator]();
  }
}

export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly connection: SyncPgConnection;
  /** The advisory lock every transaction takes: one per database and schema, so separate installs do not contend. */
  private readonly lockKey: string;
  private depth = 0;
  private isOpen = true;
  /** The connection generation the open transaction began on. */
  private txGeneration = 0;

  constructor(url: string, opts: SyncConnectionOptions = {}) {
    this.connection = new SyncPgConnection(url, opts);
    const row = this.connection.query<{ db: string; schema: string }>('SELECT current_database() AS db, current_schema() AS schema').rows[0]!;
    if (!row.schema) throw new Error('PostgreSQL has no current schema for this connection (check search_path in DATABASE_URL)');
    this.lockKey = BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(`crm-enrich:tx:${row.db}:${row.schema}`).digest('hex').slice(0, 16)}`)).toString();
  }

  get open(): boolean {
    return this.isOpen;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? DbStatement<P, R> : DbStatement<[P], R> {
    return new PgStatement<any, R>(this, source) as never;
  }

  exec(source: string): this {
    this.checkTransaction();
    this.connection.exec(source);
    return this;
  }

  /**
   * Inside a transaction whose connection was lost (the server rolled it back), every further statement fails: run on
   * the new connection it would commit on its own, outside the transaction the code believes it is in.
   */
  checkTransaction(): void {
    if (this.depth > 0 && this.connection.generation !== this.txGeneration) {
      throw Object.assign(new Error('the PostgreSQL connection was lost inside a transaction; the transaction was rolled back'), { code: '08006' });
    }
  }

  pragma(): unknown {
    throw new Error('PRAGMA is SQLite-only; check dialectOf(db) first');
  }

  close(): this {
    this.isOpen = false;
    this.connection.close();
    return this;
  }

  transaction<F extends AnyFn>(fn: F): DbTransaction<F> {
    const run = (...args: any[]): ReturnType<F> => this.runInTransaction(fn, args);
    return Object.assign(run, { default: run, deferred: run, immediate: run, exclusive: run }) as DbTransaction<F>;
  }

  private runInTransaction<F extends AnyFn>(fn: F, args: unknown[]): ReturnType<F> {
    // Nested calls become savepoints, as in better-sqlite3: an inner failure undoes only the inner part.
    if (this.depth > 0) {
      const sp = `sp_${this.depth}`;
      this.checkTransaction();
      this.connection.exec(`SAVEPOINT ${sp}`);
      this.depth++;
      try {
        const result = fn(...args) as ReturnType<F>;
        this.connection.exec(`RELEASE SAVEPOINT ${sp}`);
        return result;
      } catch (err) {
        if (this.connection.generation === this.txGeneration) this.connection.exec(`ROLLBACK TO SAVEPOINT ${sp}`);
        throw err;
      } finally {
        this.depth--;
      }
    }
    this.connection.exec(`BEGIN; SELECT pg_advisory_xact_lock(${this.lockKey})`);
    this.txGeneration = this.connection.generation;
    this.depth = 1;
    try {
      const result = fn(...args) as ReturnType<F>;
      if (result instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
      this.checkTransaction();
      this.connection.exec('COMMIT');
      return result;
    } catch (err) {
      try {
        if (this.connection.generation === this.txGeneration) this.connection.exec('ROLLBACK');
      } catch {
        // the connection is gone: the server has rolled the transaction back already
      }
      throw err;
    } finally {
      this.depth = 0;
    }
  }
}
