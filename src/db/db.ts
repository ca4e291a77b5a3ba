// The database handle every repository takes: better-sqlite3's synchronous API, which SQLite's Database
// implements natively and PgDb (src/db/pg) implements over PostgreSQL. Only the part the code uses is listed, so
// the compiler catches a call the PostgreSQL engine does not provide.
export interface RunResult {
  changes: number;
  /** SQLite only (0 on PostgreSQL): use `INSERT ... RETURNING id`. */
  lastInsertRowid: number | bigint;
}

export interface DbStatement<P extends unknown[], R = unknown> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
  pluck(toggleState?: boolean): this;
}

type AnyFn = (...args: any[]) => unknown;
/** Spelled as better-sqlite3 spells it, so its Database is assignable to Db. */
type ArgumentTypes<F extends AnyFn> = F extends (...args: infer A) => unknown ? A : never;

export interface DbTransaction<F extends AnyFn> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  default(...params: ArgumentTypes<F>): ReturnType<F>;
  deferred(...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface Db {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<P extends unknown[] | {} = unknown[], R = unknown>(source: string): P extends unknown[] ? DbStatement<P, R> : DbStatement<[P], R>;
  transaction<F extends AnyFn>(fn: F): DbTransaction<F>;
  exec(source: string): this;
  /** SQLite only: callers check dialectOf(db) first. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): this;
}

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Db): Dialect {
  return (db as { dialect?: Dialect }).dialect === 'postgres' ? 'postgres' : 'sqlite';
}
