// Child: hostile posters or a /healthz prober (one of the two per process, so that the posters' own work never
// delays the prober's measurements). `posters` connections each POST the same body over and over (a new
// connection per post: the server closes refused ones); the prober GETs /healthz every `probeEveryMs` over one
// keep-alive connection and records how long each answer took.
import { Agent, request } from 'node:http';
import { serveRpc, cpuMs } from '../lib/ipc.js';
import { round, sleep, summarize } from '../lib/stats.js';

export interface HostileRun {
  healthz: { n: number; p50: number; p90: number; p99: number; max: number; mean: number };
  healthzFailures: number;
  posts: number;
  statuses: Record<string, number>;
  clientCpuPct: number;
}

type BodyKind = 'siblings-1mb' | 'siblings-256k-scan' | 'siblings-at-bound';

/** Outbound-Message-shaped XML whose sObject holds `count` sibling elements of `inner` each. */
function hostileXml(orgId: string, count: number, inner: string): Buffer {
  const head =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${orgId}</OrganizationId><Notification><Id>04l000000000001AAA</Id><sObject>`;
  const tail = '</sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>';
  return Buffer.from(head + inner.repeat(count) + tail, 'utf8');
}

function bodyOf(kind: BodyKind, orgId: string): Buffer {
  switch (kind) {
    case 'siblings-1mb':
      return hostileXml(orgId, 250_000, '<a/>');
    case 'siblings-256k-scan':
      // Over the element bound: refused by the linear scan.
      return hostileXml(orgId, 60_000, '<a/>');
    case 'siblings-at-bound':
      // Just under the element bound: validated and parsed in full, then refused (no Id, no type).
      return hostileXml(orgId, 2_990, '<x>0123456789</x>');
  }
}

function post(port: number, path: string, body: Buffer): Promise<string> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': body.length, soapaction: '""' } }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
      res.on('error', () => done(String(res.statusCode)));
    });
    // A server that answers before reading the body closes the socket under our write: that is a refusal too.
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
    req.end(body);
  });
}

async function run(o: { port: number; path: string; orgId: string; body: BodyKind | null; posters: number; durationMs: number; probeEveryMs: number | null }): Promise<HostileRun> {
  const body = o.body ? bodyOf(o.body, o.orgId) : null;
  const statuses: Record<string, number> = {};
  let posts = 0;
  const until = performance.now() + o.durationMs;
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const posters = body
    ? Array.from({ length: o.posters }, async () => {
        while (performance.now() < until) {
          const s = await post(o.port, o.path, body);
          statuses[s] = (statuses[s] ?? 0) + 1;
          posts++;
        }
      })
    : [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const probe = (async () => {
    if (o.probeEveryMs === null) return;
    // Let the posters get going first.
    await sleep(200);
    while (performance.now() < until) {
      const start = performance.now();
      const status = await new Promise<number>((done) => {
        const req = request({ host: '127.0.0.1', port: o.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
        });
        req.on('error', () => done(0));
        req.end();
      });
      if (status === 200) latencies.push(performance.now() - start);
      else failures++;
      await sleep(o.probeEveryMs);
    }
  })();
  await Promise.all([...posters, probe]);
  agent.destroy();
  const wall = performance.now() - t0;
  const s = summarize(latencies);
  return {
    healthz: { n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max), mean: round(s.mean) },
    healthzFailures: failures,
    posts,
    statuses,
    clientCpuPct: round(((cpuMs() - cpu0) / wall) * 100, 0),
  };
}

serveRpc({ run });
