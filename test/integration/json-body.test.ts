// The enrichment route's own JSON body reader (src/http/json-body.ts) against what express.json did before it:
// the same bodies, the same errors, and a keep-alive connection that survives an oversized body.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from '../../src/http/json-body.js';

const LIMIT = 16 * 1024;

describe('jsonBody', () => {
  let server: http.Server;
  let port: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    const app = express();
    app.post('/echo', jsonBody(LIMIT), (req, res) => {
      res.json({ body: req.body as unknown, socket: `${req.socket.remotePort}` });
    });
    app.use(((err, _req, res, _next) => {
      const e = err as { status: number; type: string };
      res.status(e.status).json({ status: e.status, type: e.type });
    }) as express.ErrorRequestHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise((r) => server.close(r));
  });

  function send(body: Buffer | string | Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      req.on('error', reject);
      if (Array.isArray(body)) {
        // Chunked transfer: no Content-Length, the size is only known while reading.
        for (const part of body) req.write(part);
        req.end();
      } else req.end(body);
    });
  }

  it('when the body is UTF-8 JSON (with or without a charset, with a BOM, or empty), then it is parsed', async () => {
    expect((await send('{"email":"Zoë@exämple.com"}', { 'content-type': 'application/json' })).json.body).toEqual({ email: 'Zoë@exämple.com' });
    expect((await send('{"a":1}', { 'content-type': 'application/json; charset=UTF-8' })).json.body).toEqual({ a: 1 });
    expect((await send('\uFEFF{"a":2}', { 'content-type': 'text/plain' })).json.body).toEqual({ a: 2 });
    expect((await send('', {})).json.body).toEqual({});
    expect((await send('"just a string"')).json.body).toBe('just a string');
    // A multi-byte character split across two chunks is decoded whole.
    const bytes = Buffer.from('{"name":"Łukasz"}', 'utf8');
    expect((await send([bytes.subarray(0, 10), bytes.subarray(10)])).json.body).toEqual({ name: 'Łukasz' });
  });

  it('when the body is not JSON, then 400 entity.parse.failed', async () => {
    expect((await send('{"email":', { 'content-type': 'application/json' })).json).toEqual({ status: 400, type: 'entity.parse.failed' });
  });

  it('when the body is gzipped or UTF-16, then express.json reads it as before', async () => {
    const gz = await send(gzipSync('{"email":"a@b.co"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gz.json.body).toEqual({ email: 'a@b.co' });
    const utf16 = Buffer.from('{"email":"a@b.co"}', 'utf16le');
    const r = await send(utf16, { 'content-type': 'application/json; charset=utf-16le' });
    expect(r.json.body).toEqual({ email: 'a@b.co' });
  });

  it('when the body passes the limit, declared or chunked, then 413 and the keep-alive connection still works', async () => {
    const big = 'x'.repeat(LIMIT + 1);
    const first = await send(JSON.stringify({ big }), { 'content-type': 'application/json' });
    expect(first.json).toEqual({ status: 413, type: 'entity.too.large' });
    const chunked = await send([Buffer.from('{"big":"'), Buffer.from(big), Buffer.from('"}')]);
    expect(chunked.json).toEqual({ status: 413, type: 'entity.too.large' });
    const after = await send('{"ok":true}');
    expect(after.json.body).toEqual({ ok: true });
    // Exactly the limit is fine.
    const exact = JSON.stringify({ s: 'y'.repeat(LIMIT - 8) });
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    expect((await send(exact)).status).toBe(200);
  });
});
