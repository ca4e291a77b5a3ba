// Prometheus metrics, one registry per process (created in main.ts, passed down; no global default registry).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Implements the enrichment core's EnrichMetrics port (src/enrichment/ports.ts) by shape: src/lib imports nothing from src/. */
export interface Metrics {
  registry: Registry;
  enrichment(provider: string, outcome: string): void;
  credits(n: number): void;
  providerCall(provider: string, outcome: string, seconds: number): void;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  jobFinished(name: string, outcome: string): void;
  crmCall(crm: string, operation: string, status: string): void;
  /** Registers a gauge whose value is read at scrape time. */
  gauge(name: string, help: string, labelNames: string[], collect: () => { labels?: Record<string, string>; value: number }[]): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpCount = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const httpLatency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const enrichments = new Counter({ name: 'enrichments_total', help: 'Enrichment requests by provider and outcome', labelNames: ['provider', 'outcome'], registers: [registry] });
  const credits = new Counter({ name: 'credits_charged_total', help: 'Credits charged', registers: [registry] });
  const cacheHits = new Counter({ name: 'enrichment_cache_hits_total', help: 'Enrichments answered from the profile cache', registers: [registry] });
  const providerCalls = new Histogram({
    name: 'provider_call_duration_seconds',
    help: 'Provider calls by provider and outcome',
    labelNames: ['provider', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const jobs = new Counter({ name: 'jobs_finished_total', help: 'Job attempts by job name and outcome', labelNames: ['name', 'outcome'], registers: [registry] });
  const crmCalls = new Counter({ name: 'crm_calls_total', help: 'CRM API calls by CRM, operation and status', labelNames: ['crm', 'operation', 'status'], registers: [registry] });

  return {
    registry,
    httpRequest(route, method, status, seconds) {
      const labels = { route, method, status: String(status) };
      httpCount.inc(labels);
      httpLatency.observe(labels, seconds);
    },
    enrichment(provider, outcome) {
      enrichments.inc({ provider, outcome });
      if (outcome === 'cache_hit') cacheHits.inc();
    },
    credits: (n) => credits.inc(n),
    providerCall: (provider, outcome, seconds) => providerCalls.observe({ provider, outcome }, seconds),
    jobFinished: (name, outcome) => jobs.inc({ name, outcome }),
    crmCall: (crm, operation, status) => crmCalls.inc({ crm, operation, status }),
    gauge(name, help, labelNames, collect) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of collect()) {
            if (s.labels) this.set(s.labels, s.value);
            else this.set(s.value);
          }
        },
      });
    },
  };
}
