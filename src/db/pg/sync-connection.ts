// A synchronous PostgreSQL connection: a worker thread owns a `pg` client; each call posts the request and waits
// on `Atomics.wait` until the worker has answered. Why synchronous, when PostgreSQL drivers are asynchronous:
// the whole service is written against better-sqlite3's synchronous API, and its guarantees rest on it (a
// transaction is one synchronous function, so nothing else of the process runs inside it and it can never be
// held open across a network call). Keeping that model on PostgreSQL keeps every guarantee and every query
// shared by both engines; the price is that the event loop waits for each round trip (docs/architecture.md,
// "Two engines, one repository layer").
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export interface PgError extends Error {
  /** The SQLSTATE (23505 unique_violation, 40P01 deadlock_detected, 57014 query_canceled...). */
  code?: string;
  detail?: string;
  constraint?: string;
}

export interface QueryResult<R = Record<string, unknown>> {
  rows: R[];
  rowCount: number;
}

export interface SyncConnectionOptions {
  /** A statement running longer is cancelled by the server (57014). */
  statementTimeoutMs?: number;
  /** How long the process waits for an answer before it gives the connection up (a dead network). */
  callTimeoutMs?: number;
  applicationName?: string;
}

interface Reply {
  ok: boolean;
  rows?: unknown[];
  rowCount?: number;
  error?: { message: string; code?: string; detail?: string; constraint?: string };
}

export class SyncPgConnection {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private flag: Int32Array | undefined;
  private readonly callTimeoutMs: number;
  /** Counts the connections given up: a transaction that sees it change has lost its connection (and its work). */
  generation = 0;

  constructor(
    private readonly url: string,
    private readonly opts: SyncConnectionOptions = {},
  ) {
    this.callTimeoutMs = opts.callTimeoutMs ?? 60_000;
  }

  query<R = Record<string, unknown>>(sql: string, params: unknown[] = [], rowMode?: 'array'): QueryResult<R> {
    return this.call({ op: 'query', sql, params, rowMode }) as QueryResult<R>;
  }

  /** Several statements at once, without parameters (migrations, BEGIN + lock). */
  exec(sql: string): void {
    this.call({ op: 'exec', sql });
  }

  close(): void {
    if (!this.worker) return;
    try {
      this.call({ op: 'close' });
    } catch {
      // closing a broken connection: nothing left to do
    }
    this.dispose();
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.flag = new Int32Array(signal);
    this.port = port1;
    this.worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: {
        url: this.url,
        port: port2,
        signal,
        statementTimeoutMs: this.opts.statementTimeoutMs ?? 30_000,
        applicationName: this.opts.applicationName ?? 'crm-enrich',
      },
      transferList: [port2],
    });
    // The worker must not keep the process alive on its own: close() ends it, and a process exiting ends it too.
    this.worker.unref();
    this.port.unref();
  }

  private dispose(): void {
    this.generation++;
    const w = this.worker;
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
    if (w) void w.terminate();
  }

  private call(req: { op: string; sql?: string; params?: unknown[]; rowMode?: 'array' | undefined }): { rows: unknown[]; rowCount: number } {
    if (!this.worker) this.start();
    const flag = this.flag!;
    Atomics.store(flag, 0, 0);
    this.port!.postMessage(req);
    const waited = Atomics.wait(flag, 0, 0, this.callTimeoutMs);
    const msg = receiveMessageOnPort(this.port!)?.message as Reply | undefined;
    if (waited === 'timed-out' || !msg) {
      // The connection is in an unknown state (a statement may still run): drop it; the next call opens another.
      this.dispose();
      throw Object.assign(new Error(`PostgreSQL did not answer within ${Math.round(this.callTimeoutMs / 1000)} s`), { code: '08006' }) as PgError;
    }
    if (!msg.ok) {
      const e = msg.error!;
      // A connection-level failure leaves the client unusable: reconnect on the next call.
      if (e.code === undefined || e.code.startsWith('08') || e.code === '57P01') this.dispose();
      throw Object.assign(new Error(e.message), { code: e.code, detail: e.detail, constraint: e.constraint }) as PgError;
    }
    return { rows: msg.rows ?? [], rowCount: msg.rowCount ?? 0 };
  }
}
