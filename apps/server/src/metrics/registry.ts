import { Hono } from 'hono';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics, served on their own port (METRICS_PORT), never on the public API. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'llamenos_http_request_duration_seconds',
    help: 'API request duration by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const auditAppends = new Counter({
    name: 'llamenos_audit_appends_total',
    help: 'audit entries appended',
    registers: [registry],
  });
  return { registry, requests, auditAppends };
}

export type Metrics = ReturnType<typeof createMetrics>;

export function metricsApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  return app;
}
