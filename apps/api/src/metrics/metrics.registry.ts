import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The API's Prometheus metrics, one registry per process. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'berth_api_' });

export const metrics = {
  httpRequests: new Counter({
    name: 'berth_api_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  }),
  httpDuration: new Histogram({
    name: 'berth_api_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  }),
  dbStatements: new Counter({
    name: 'berth_db_statements_total',
    help: 'Statements this process sent to Postgres, by leading keyword (transaction control included)',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  internalErrors: new Counter({
    name: 'berth_api_internal_errors_total',
    help: 'Requests that ended in a 5xx (each one is a bug)',
    registers: [registry],
  }),
  operations: new Counter({
    name: 'berth_operations_finished_total',
    help: 'Operations that reached a final state, by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
  }),
  enqueueFailures: new Counter({
    name: 'berth_enqueue_failures_total',
    help: 'Jobs that could not be handed to Redis after commit (the reconciler re-enqueues them)',
    registers: [registry],
  }),
  reenqueued: new Counter({
    name: 'berth_operations_reenqueued_total',
    help: 'Operations the reconciler found without a job and enqueued again',
    registers: [registry],
  }),
  controlJobs: new Counter({
    name: 'berth_control_jobs_total',
    help: 'Periodic control jobs (reaper, reconciler, housekeeping) this process ran, by job',
    labelNames: ['job'] as const,
    registers: [registry],
  }),
  hostsLost: new Counter({
    name: 'berth_hosts_lost_total',
    help: 'Hosts marked lost after missing heartbeats',
    registers: [registry],
  }),
  placementRefusals: new Counter({
    name: 'berth_placement_refusals_total',
    help: 'Placements a host refused because its snapshot was stale (full, or no longer ready); each is retried elsewhere',
    registers: [registry],
  }),
};
