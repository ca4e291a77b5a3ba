// The load generator (runs as its own process, see bench/README.md for the placement). A hand-written HTTP/1.1
// client on raw keep-alive sockets: requests are pre-serialised buffers, responses are parsed just enough to find
// the status and Content-Length, so the client costs a few microseconds a request and is not what we measure.
//
// closed(): N connections, each sends its next request as soon as the previous answer arrived (throughput).
// open():   requests are scheduled at a fixed rate whatever the server does; latency counts from the scheduled
//           time, so a server that falls behind shows it (no coordinated omission).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { serveRpc, cpuMs } from '../lib/ipc.js';
import { signWebhookV3, contactCreationEvent } from '../../test/fakes/hubspot/webhook.js';

export type RequestSource =
  /** Fixed request bodies, used round-robin (one per API key, say). */
  | { kind: 'static'; method: 'POST' | 'GET'; path: string; headers: Record<string, string>; bodies: string[]; variants?: Record<string, string>[] }
  /** Signed HubSpot webhook batches of `batch` contact.creation events with object ids counting up from `firstId`. */
  | { kind: 'hubspot-webhook'; path: string; signedUrl: string; clientSecret: string; portalId: number; batch: number; firstId: number };

export interface Target {
  host: string;
  port: number;
}

export interface RunResult {
  durationMs: number;
  requests: number;
  rps: number;
  statuses: Record<string, number>;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** open mode: service time (from the actual send, without waiting for a free connection). */
  serviceMs?: { p50: number; p99: number };
  /** open mode: requests that were scheduled but never sent before the end. */
  unsent?: number;
  /** Sum of a numeric field of JSON answers (webhook `queued`). */
  summed?: number;
  clientCpuPct: number;
  /** Every answer received during the call, warm-up included (for per-request server CPU). */
  totalResponses: number;
  nextId?: number;
}

interface Pending {
  scheduledAt: number;
  sentAt: number;
}

function makeFactory(src: RequestSource, target: Target): { next(): Buffer; nextId(): number } {
  const host = `${target.host}:${target.port}`;
  if (src.kind === 'static') {
    // One pre-serialised request per (header variant × body), used round-robin.
    const bufs = (src.variants ?? [{}]).flatMap((variant) =>
      src.bodies.map((b) => {
        const head =
          `${src.method} ${src.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n` +
          Object.entries({ ...src.headers, ...variant })
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('') +
          `Content-Length: ${Buffer.byteLength(b)}\r\n\r\n`;
        return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(b, 'utf8')]);
      }),
    );
    let i = 0;
    return { next: () => bufs[i++ % bufs.length]!, nextId: () => 0 };
  }
  let id = src.firstId;
  return {
    next() {
      const events = [];
      for (let k = 0; k < src.batch; k++) events.push(contactCreationEvent(src.portalId, id++));
      const body = JSON.stringify(events);
      const timestamp = Date.now();
      const signature = signWebhookV3({ clientSecret: src.clientSecret, method: 'POST', url: src.signedUrl, body, timestamp });
      const head =
        `POST ${src.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n` +
        `User-Agent: HubSpot Connect 2.0 (http://dev.hubspot.com/)\r\nX-HubSpot-Signature-Version: v3\r\n` +
        `X-HubSpot-Signature-v3: ${signature}\r\nX-HubSpot-Request-Timestamp: ${timestamp}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
    },
    nextId: () => id,
  };
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

class Conn {
  private sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  busy = false;
  private current: Pending | null = null;
  private readyP: Promise<void>;

  constructor(
    target: Target,
    private readonly onResponse: (status: number, body: Buffer, p: Pending) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.sock = net.connect({ host: target.host, port: target.port, noDelay: true });
    this.readyP = new Promise((ok, fail) => {
      this.sock.once('connect', () => ok());
      this.sock.once('error', fail);
    });
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', (e) => this.fail(e));
    this.sock.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  ready(): Promise<void> {
    return this.readyP;
  }

  send(req: Buffer, p: Pending): void {
    this.busy = true;
    this.current = p;
    p.sentAt = performance.now();
    this.sock.write(req);
  }

  private fail(err: Error): void {
    if (this.current) {
      this.current = null;
      this.onError(err);
    }
    this.busy = true; // never reused
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const headerEnd = this.buf.indexOf(CRLFCRLF);
    if (headerEnd < 0) return;
    const head = this.buf.subarray(0, headerEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.onError(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
      this.sock.destroy();
      return;
    }
    const total = headerEnd + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const body = this.buf.subarray(headerEnd + 4, total);
    this.buf = this.buf.length > total ? this.buf.subarray(total) : Buffer.alloc(0);
    const p = this.current!;
    this.current = null;
    this.busy = false;
    this.onResponse(status, body, p);
  }

  close(): void {
    this.sock.removeAllListeners('close');
    this.sock.destroy();
  }
}

interface Collector {
  lat: number[];
  svc: number[];
  statuses: Record<string, number>;
  errors: number;
  summed: number;
}

function collector(): Collector {
  return { lat: [], svc: [], statuses: {}, errors: 0, summed: 0 };
}

function stats(a: number[]): { p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = Float64Array.from(a).sort();
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN);
  let sum = 0;
  for (const v of s) sum += v;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: r(at(50)), p90: r(at(90)), p99: r(at(99)), max: r(s.length ? s[s.length - 1]! : NaN), mean: r(s.length ? sum / s.length : NaN) };
}

/** The figures both loops report for a measured window. */
function summarize(c: Collector, elapsedMs: number, cpuUsedMs: number, sumField: string | undefined): Omit<RunResult, 'totalResponses'> {
  const requests = c.lat.length;
  return {
    durationMs: Math.round(elapsedMs),
    requests,
    rps: Math.round((requests / elapsedMs) * 1000),
    statuses: c.statuses,
    errors: c.errors,
    latencyMs: stats(c.lat),
    ...(sumField ? { summed: c.summed } : {}),
    clientCpuPct: Math.round((cpuUsedMs / elapsedMs) * 100),
  };
}

/** Closed loop: `connections` connections, warm-up then a measured window. */
async function closed(o: { target: Target; source: RequestSource; connections: number; warmupMs: number; durationMs: number; sumField?: string }): Promise<RunResult> {
  const factory = makeFactory(o.source, o.target);
  let measuring = false;
  let stopAt = Infinity;
  let c = collector();
  let inflight = 0;
  let totalResponses = 0;
  let drained: () => void = () => {};
  const conns: Conn[] = [];
  const kick = (conn: Conn) => {
    if (performance.now() >= stopAt) return;
    inflight++;
    conn.send(factory.next(), { scheduledAt: 0, sentAt: 0 });
  };
  for (let i = 0; i < o.connections; i++) {
    const conn: Conn = new Conn(
      o.target,
      (status, body, p) => {
        inflight--;
        totalResponses++;
        const now = performance.now();
        if (measuring && now <= stopAt) {
          c.lat.push(now - p.sentAt);
          c.statuses[status] = (c.statuses[status] ?? 0) + 1;
          if (o.sumField) c.summed += sumOf(body, o.sumField);
        }
        if (now < stopAt) kick(conn);
        else if (inflight === 0) drained();
      },
      () => {
        inflight--;
        if (measuring) c.errors++;
        if (inflight === 0 && performance.now() >= stopAt) drained();
      },
    );
    conns.push(conn);
  }
  await Promise.all(conns.map((x) => x.ready()));
  for (const conn of conns) kick(conn);
  await new Promise((r) => setTimeout(r, o.warmupMs));
  c = collector();
  measuring = true;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  stopAt = t0 + o.durationMs;
  await new Promise<void>((r) => {
    drained = r;
    setTimeout(() => inflight === 0 && r(), o.durationMs + 1);
    setTimeout(r, o.durationMs + 10_000); // a server that stopped answering
  });
  const elapsed = Math.min(performance.now(), stopAt) - t0;
  const cpu = cpuMs() - cpu0;
  for (const conn of conns) conn.close();
  return { ...summarize(c, elapsed, cpu, o.sumField), totalResponses };
}

/** Open loop: `rate` requests a second for `durationMs`, over at most `connections` connections. */
async function open(o: { target: Target; source: RequestSource; connections: number; rate: number; durationMs: number; graceMs?: number; sumField?: string }): Promise<RunResult> {
  const factory = makeFactory(o.source, o.target);
  const c = collector();
  const queue: number[] = [];
  const idle: Conn[] = [];
  let inflight = 0;
  let done: () => void = () => {};
  let finishedScheduling = false;
  const dispatch = () => {
    while (queue.length && idle.length) {
      const conn = idle.pop()!;
      inflight++;
      conn.send(factory.next(), { scheduledAt: queue.shift()!, sentAt: 0 });
    }
  };
  const conns: Conn[] = [];
  for (let i = 0; i < o.connections; i++) {
    const conn: Conn = new Conn(
      o.target,
      (status, body, p) => {
        inflight--;
        const now = performance.now();
        c.lat.push(now - p.scheduledAt);
        c.svc.push(now - p.sentAt);
        c.statuses[status] = (c.statuses[status] ?? 0) + 1;
        if (o.sumField) c.summed += sumOf(body, o.sumField);
        idle.push(conn);
        dispatch();
        if (finishedScheduling && inflight === 0 && queue.length === 0) done();
      },
      () => {
        inflight--;
        c.errors++;
        if (finishedScheduling && inflight === 0 && queue.length === 0) done();
      },
    );
    conns.push(conn);
  }
  await Promise.all(conns.map((x) => x.ready()));
  idle.push(...conns);
  const interval = 1000 / o.rate;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const end = t0 + o.durationMs;
  let next = t0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        queue.push(next);
        next += interval;
      }
      dispatch();
      if (next < end) setTimeout(tick, Math.max(0, Math.min(interval, next - performance.now())));
      else resolve();
    };
    tick();
  });
  finishedScheduling = true;
  // Whatever is still queued or in flight gets a grace period to finish; what is left is reported as unsent.
  await new Promise<void>((r) => {
    done = r;
    if (inflight === 0 && queue.length === 0) r();
    setTimeout(r, o.graceMs ?? 10_000);
  });
  const unsent = queue.length;
  queue.length = 0;
  const elapsed = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  for (const conn of conns) conn.close();
  const svc = stats(c.svc);
  return {
    ...summarize(c, elapsed, cpu, o.sumField),
    serviceMs: { p50: svc.p50, p99: svc.p99 },
    unsent,
    totalResponses: c.lat.length,
    nextId: factory.nextId(),
  };
}

function sumOf(body: Buffer, field: string): number {
  try {
    const v = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
    return typeof v === 'number' ? v : 0;
  } catch {
    return 0;
  }
}

serveRpc({ closed, open });
