// docker-compose.yml cannot run here (no Docker engine): its shape is checked instead.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type Service = { command?: string[]; deploy?: { replicas?: number }; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] }; image?: string; volumes?: string[] };
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

describe('docker-compose.yml', () => {
  it('when read, then it has PostgreSQL with a data volume, two web and two worker replicas', () => {
    const { postgres, web, worker } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:15/);
    expect(postgres?.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain('pgdata');
    expect(web?.deploy?.replicas).toBe(2);
    expect(worker?.deploy?.replicas).toBe(2);
    expect(web?.command?.slice(-3)).toEqual(['serve', '--role', 'web']);
    expect(worker?.command?.slice(-3)).toEqual(['serve', '--role', 'worker']);
  });

  it('when a node starts, then it uses PostgreSQL, waits for it to be healthy and is itself health-checked on /healthz', () => {
    for (const name of ['web', 'worker']) {
      const s = compose.services[name]!;
      expect(s.environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(s.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(s.healthcheck?.test.join(' ')).toContain('/healthz');
    }
  });
});
