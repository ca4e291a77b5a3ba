// The defaults a newcomer meets: PUBLIC_URL is the address actually served (one host everywhere), .env fills in
// what the environment lacks, and the Connect trap (a page on another local name than PUBLIC_URL) is recognised.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDotEnv } from '../../src/config/load.js';
import { servedUrl } from '../../src/config/schema.js';
import { connectHostProblem } from '../../src/admin/public-host.js';

describe('the default PUBLIC_URL', () => {
  it('when PUBLIC_URL is unset, then it is the served host and port', () => {
    expect(loadConfig({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '4100' }).PUBLIC_URL).toBe('http://localhost:4100');
    expect(loadConfig({ HOST: '10.1.2.3', PORT: '4100' }).PUBLIC_URL).toBe('http://10.1.2.3:4100');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://enrich.example.com', PORT: '8080' }).PUBLIC_URL).toBe('https://enrich.example.com');
  });

  it('when HOST is an IPv6 address, then it is bracketed; a wildcard is reached as localhost', () => {
    expect(servedUrl('::1', 3000)).toBe('http://[::1]:3000');
    expect(servedUrl('::', 3000)).toBe('http://localhost:3000');
    expect(servedUrl('crm.internal', 80)).toBe('http://crm.internal:80');
  });
});

describe('.env', () => {
  it('when a variable is set already, then the file does not override it; missing ones are filled in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-dotenv-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, 'PORT=4000\n# a comment\nLOG_LEVEL="debug"\nEMPTY=\n');
      const env: Record<string, string | undefined> = { PORT: '5000' };
      expect(loadDotEnv(file, env)).toBe(file);
      expect(env).toEqual({ PORT: '5000', LOG_LEVEL: 'debug', EMPTY: '' });
      expect(loadDotEnv(join(dir, 'missing.env'), env)).toBeUndefined();
      expect(() => loadDotEnv(dir, env)).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when config/.env.example is copied as it is, then it sets nothing (every line is a comment)', () => {
    const env: Record<string, string | undefined> = {};
    loadDotEnv(new URL('../../config/.env.example', import.meta.url).pathname, env);
    expect(env).toEqual({});
  });
});

describe('the Connect host check', () => {
  const req = (host: string) => ({ get: (h: string) => (h.toLowerCase() === 'host' ? host : undefined) }) as unknown as Request;

  it('when the page is on another local name than PUBLIC_URL, then it names the address to use', () => {
    const msg = connectHostProblem(req('localhost:3000'), 'http://127.0.0.1:3000');
    expect(msg).toContain('This page is open on localhost:3000, but PUBLIC_URL is http://127.0.0.1:3000');
    expect(msg).toContain('Open http://127.0.0.1:3000/admin/connections');
    expect(connectHostProblem(req('127.0.0.1:3001'), 'http://127.0.0.1:3000')).toBeDefined();
  });

  it('when the hosts agree, or either is not a local name (a reverse proxy), then there is nothing to say', () => {
    expect(connectHostProblem(req('127.0.0.1:3000'), 'http://127.0.0.1:3000')).toBeUndefined();
    expect(connectHostProblem(req('10.0.0.5:3000'), 'https://enrich.example.com')).toBeUndefined();
    expect(connectHostProblem(req('localhost:3000'), 'https://enrich.example.com')).toBeUndefined();
  });
});
