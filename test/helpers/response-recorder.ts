// Records every response a test server sends (status, headers, body bytes), server side, whichever client asked:
// the contract check of test/helpers/service.ts runs over all of them when the test file closes its service.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { RecordedResponse } from './openapi-contract.js';

type Chunk = string | Uint8Array;

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return undefined;
}

export function recordResponses(server: Server, onResponse: (r: RecordedResponse) => void): void {
  // Prepended, so the wrappers are in place before Express sees the request.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (chunk: Chunk, ...rest: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: Chunk, ...rest: unknown[]) => {
      const b = toBuffer(chunk, rest[0]);
      if (b) chunks.push(b);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      const b = typeof args[0] === 'function' ? undefined : toBuffer(args[0], args[1]);
      if (b) chunks.push(b);
      return end(...args);
    }) as typeof res.end;
    res.on('finish', () => {
      onResponse({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        status: res.statusCode,
        headers: res.getHeaders() as RecordedResponse['headers'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}
