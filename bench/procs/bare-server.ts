// Child: a bare Express 5 app whose single handler answers the captured enrichment response verbatim (same bytes,
// same Content-Type). `parseJson` adds express.json() in front, to show what parsing the request body costs.
import type { Server } from 'node:http';
import express from 'express';
import { serveRpc, cpuMs } from '../lib/ipc.js';

let server: Server | undefined;

async function start(o: { body: string; contentType: string; parseJson?: boolean }) {
  const bytes = Buffer.from(o.body, 'utf8');
  const app = express();
  app.disable('x-powered-by');
  const handler: express.RequestHandler = (_req, res) => {
    res.set('Content-Type', o.contentType).send(bytes);
  };
  if (o.parseJson) app.post('/v1/profile/enrich', express.json({ limit: '16kb' }), handler);
  else app.post('/v1/profile/enrich', handler);
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((ok, fail) => {
    server!.once('listening', ok);
    server!.once('error', fail);
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}`, port: addr.port };
}

serveRpc({
  start,
  cpu: () => cpuMs(),
  async stop() {
    await new Promise<void>((r) => {
      server?.close(() => r());
      server?.closeAllConnections();
    });
  },
});
