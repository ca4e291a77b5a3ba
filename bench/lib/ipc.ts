// Child processes for the benchmarks: spawned with the same Node (24) and the tsx loader the orchestrator runs
// under, optionally pinned to one CPU with taskset, and driven over the IPC channel with a tiny RPC.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Handler = (...args: any[]) => unknown;

interface Request {
  rpc: number;
  method: string;
  args: unknown[];
}
interface Reply {
  rpc: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** In a child: answers the parent's calls with these handlers; `ready` is sent once they are installed. */
export function serveRpc(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('serveRpc: not started with an IPC channel');
  process.on('message', (m: Request) => {
    if (!m || typeof m.rpc !== 'number') return;
    const reply = (r: Omit<Reply, 'rpc'>) => process.send?.({ rpc: m.rpc, ...r });
    const h = handlers[m.method];
    if (!h) return reply({ ok: false, error: `no method ${m.method}` });
    Promise.resolve()
      .then(() => h(...m.args))
      .then(
        (value) => reply({ ok: true, value }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // The child must not outlive the orchestrator.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

export interface Child {
  pid: number;
  cpu: number | null;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /** Asks the child to exit and waits for it (kills it after 5 s). */
  stop(): Promise<void>;
}

/**
 * The child's environment: ours plus `extra`, less DATABASE_URL and ENCRYPTION_KEY unless `extra` sets them, so a
 * benchmark runs on PostgreSQL only when it asks for it (see engines.ts), never because the shell had one set.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.ENCRYPTION_KEY;
  return { ...env, ...extra };
}

let tasksetChecked: boolean | undefined;
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetChecked = r.status === 0;
  }
  return tasksetChecked;
}

export const PIN = process.env.BENCH_NO_PIN !== '1';

/**
 * Starts `file` (relative to bench/) as a child on the project's Node with the tsx loader. Its stdout goes to
 * our stderr so the result table on stdout stays clean.
 */
export async function startChild(file: string, opts: { cpu?: number; env?: Record<string, string>; execArgv?: string[] } = {}): Promise<Child> {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  const nodeArgs = [...process.execArgv, ...(opts.execArgv ?? []), path];
  const pin = opts.cpu !== undefined && PIN && canPin();
  const cmd = pin ? 'taskset' : process.execPath;
  const args = pin ? ['-c', String(opts.cpu), process.execPath, ...nodeArgs] : nodeArgs;
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ['ignore', 2, 'inherit', 'ipc'],
    env: childEnv(opts.env),
  });
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  let next = 1;
  let exited = false;
  const exitPromise = new Promise<void>((done) => child.once('exit', () => done()));
  child.once('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.fail(new Error(`${file} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  await new Promise<void>((ok, fail) => {
    const onMsg = (m: { ready?: boolean }) => {
      if (m && m.ready) {
        child.off('message', onMsg);
        ok();
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => fail(new Error(`${file} exited before it was ready (code ${code})`)));
  });
  child.on('message', (m: Reply) => {
    if (!m || typeof m.rpc !== 'number') return;
    const p = pending.get(m.rpc);
    if (!p) return;
    pending.delete(m.rpc);
    if (m.ok) p.ok(m.value);
    else p.fail(new Error(`${file}: ${m.error}`));
  });
  return {
    pid: child.pid!,
    cpu: pin ? opts.cpu! : null,
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      if (exited) return Promise.reject(new Error(`${file} has exited`));
      const rpc = next++;
      return new Promise<T>((ok, fail) => {
        pending.set(rpc, { ok: ok as (v: unknown) => void, fail });
        child.send({ rpc, method, args } satisfies Request);
      });
    },
    async stop() {
      if (exited) return;
      child.disconnect();
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(t);
    },
  };
}

/** Samples this process's RSS every `everyMs`; `stop()` returns the peak in bytes. */
export function rssSampler(everyMs = 100): { peak(): number; stop(): number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  t.unref();
  return {
    peak: () => peak,
    stop() {
      clearInterval(t);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak;
    },
  };
}

/** CPU time (user + system, ms) of this process. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
