// A raw HTTP/1.1 client over a TCP socket: sends exactly the bytes given (fetch and node:http refuse or fix up
// most hostile requests), and reads exactly one response, framed by Content-Length, chunked encoding or the end
// of the connection. A connection reset or a truncated answer is reported as such, never as a response.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

export type RawResult = { ok: true; res: RawResponse } | { ok: false; error: string; received: string };

export interface RawRequest {
  method: string;
  target: string;
  headers?: [string, string][];
  body?: Buffer | string;
  /** 'auto' (default): Content-Length of the body when there is one; 'none': no framing header at all. */
  framing?: 'auto' | 'none';
  /** Bytes to send instead of building a request (protocol-level garbage). */
  raw?: Buffer | string;
  version?: string;
}

export function buildRequest(r: RawRequest, host: string): Buffer {
  if (r.raw !== undefined) return Buffer.isBuffer(r.raw) ? r.raw : Buffer.from(r.raw, 'latin1');
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  const headers: [string, string][] = [...(r.headers ?? [])];
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', host]);
  if (body && (r.framing ?? 'auto') === 'auto' && !has('content-length') && !has('transfer-encoding')) headers.push(['Content-Length', String(body.length)]);
  // Header values are sent as latin1 bytes exactly as given (UTF-8 callers pre-encode); CR/LF inside stay as is.
  const head = `${r.method} ${r.target} ${r.version ?? 'HTTP/1.1'}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

interface Parsed {
  status: number;
  headers: [string, string][];
  headerEnd: number;
}

function parseHead(buf: Buffer): Parsed | null | 'bad' {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return 'bad';
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  });
  return { status: Number(m[1]), headers, headerEnd: end + 4 };
}

/** Complete body length of a chunked body starting at `from`, or null while incomplete. */
function chunkedEnd(buf: Buffer, from: number): { end: number; body: Buffer } | null | 'bad' {
  let i = from;
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', i);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.subarray(i, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) return 'bad';
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n', lineEnd + 2);
      return trailerEnd < 0 ? null : { end: trailerEnd + 2, body: Buffer.concat(parts) };
    }
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
}

export function rawRequest(port: number, request: RawRequest, timeoutMs = 20_000): Promise<RawResult> {
  const bytes = buildRequest(request, `127.0.0.1:${port}`);
  const isHead = request.method.toUpperCase() === 'HEAD';
  return new Promise<RawResult>((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (r: RawResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'no answer (timeout)', received: buf.toString('latin1').slice(0, 300) }), timeoutMs);

    /** Tries to cut one complete final response out of what arrived; `ended` when the server closed. */
    const tryParse = (ended: boolean) => {
      let offset = 0;
      for (;;) {
        const head = parseHead(buf.subarray(offset));
        if (head === 'bad') return finish({ ok: false, error: 'not an HTTP response', received: buf.toString('latin1').slice(0, 300) });
        if (head === null) {
          if (ended) finish({ ok: false, error: buf.length ? 'truncated response head' : 'connection closed without a response', received: buf.toString('latin1').slice(0, 300) });
          return;
        }
        const start = offset + head.headerEnd;
        if (head.status >= 100 && head.status < 200) {
          offset = start; // 100 Continue: the real answer follows
          continue;
        }
        const get = (name: string) => head.headers.find(([k]) => k === name)?.[1];
        const done = (body: Buffer) => finish({ ok: true, res: { status: head.status, headers: head.headers, body } });
        if (isHead || head.status === 204 || head.status === 304) return done(Buffer.alloc(0));
        if (/chunked/i.test(get('transfer-encoding') ?? '')) {
          const c = chunkedEnd(buf, start);
          if (c === 'bad') return finish({ ok: false, error: 'bad chunked body', received: buf.toString('latin1').slice(0, 300) });
          if (c) return done(c.body);
          if (ended) finish({ ok: false, error: 'truncated chunked body', received: buf.toString('latin1').slice(0, 300) });
          return;
        }
        const cl = get('content-length');
        if (cl !== undefined) {
          const n = Number(cl);
          if (buf.length - start >= n) return done(buf.subarray(start, start + n));
          if (ended) finish({ ok: false, error: `truncated body (${buf.length - start} of ${n} bytes)`, received: buf.toString('latin1').slice(0, 300) });
          return;
        }
        if (ended) done(buf.subarray(start));
        return;
      }
    };

    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after a complete answer was already handled; before it, it is the failure this client reports.
      if (settled) return;
      const code = err.code ?? err.message;
      // No complete response head yet: the connection was reset under us.
      if (parseHead(buf) === null || parseHead(buf) === 'bad') {
        finish({ ok: false, error: `connection error ${code} before a response`, received: buf.toString('latin1').slice(0, 300) });
        return;
      }
      // A head arrived: the framing decides whether the answer was complete (an until-close body is).
      tryParse(true);
    });
    socket.write(bytes);
  });
}
