// The live engine's admin API: the HTTP gateway with this engine's routes (health, summary, and
// the rollout's status and commands). The token comes from the config or the environment and
// is never logged; a config without one does not start.

import type { Logger } from 'pino';
import { BridgeError } from '../../core/errors.js';
import { engineRegistry, type MetricsSnapshot } from '../../exporters/prometheus.js';
import type { RunSummary } from '../../exporters/summary.js';
import { AdminServer, type AdminCallRecord, type AdminRoute } from '../../gateways/http/admin-server.js';
import type { LiveConfig } from '../live-config.js';
import type { RolloutControl } from './rollout-control.js';
import { DashboardFeed } from './dashboard.js';

export interface AdminApiParts {
  readonly runId: string;
  readonly logger: Logger;
  readonly summary: () => RunSummary;
  readonly rollout: RolloutControl | null;
  /** What /metrics shows, read at each scrape. */
  readonly metrics: () => MetricsSnapshot;
}

/** The token the config names: written in it, or in the environment variable it names. */
export function adminToken(admin: NonNullable<LiveConfig['admin']>, env: NodeJS.ProcessEnv = process.env): string {
  const token = admin.token ?? env[admin.tokenEnv];
  if (token === undefined || token === '') throw new BridgeError('SB_ERR_CONFIG', `admin: no token; set the environment variable ${admin.tokenEnv} (or admin.token in the config)`);
  if (!/^[\x21-\x7e]{16,512}$/.test(token)) throw new BridgeError('SB_ERR_CONFIG', `admin: the token in ${admin.token === undefined ? admin.tokenEnv : 'admin.token'} must be 16-512 printable characters without spaces`);
  return token;
}

export function buildAdminApi(admin: NonNullable<LiveConfig['admin']>, parts: AdminApiParts): { server: AdminServer; dashboard: DashboardFeed } {
  const token = adminToken(admin);
  const registry = engineRegistry(parts.metrics);
  const dashboard = new DashboardFeed({ state: () => dashboardState(parts) });
  const routes: AdminRoute[] = [
    ...dashboard.routes(),
    { method: 'GET', path: '/api/health', public: true, handle: () => ({ status: 200, body: { ok: true, runId: parts.runId } }) },
    { method: 'GET', path: '/api/summary', handle: () => ({ status: 200, body: parts.summary() }) },
    // Prometheus scrapes with the same bearer token (scrape_config authorization.credentials).
    { method: 'GET', path: '/metrics', handle: async () => ({ status: 200, body: await registry.metrics(), contentType: registry.contentType }) },
    ...(parts.rollout?.routes() ?? []),
  ];
  const onCall = (record: AdminCallRecord): void => {
    if (parts.rollout !== null) parts.rollout.onCall(record);
    else if (record.refusal !== null) parts.logger.warn({ event: 'admin_refused', remote: record.remote, method: record.method, path: record.path.slice(0, 120), status: record.status, reason: record.refusal }, 'admin_refused');
  };
  const server = new AdminServer({
    host: admin.host,
    port: admin.port,
    token,
    routes,
    onCall,
    onError: (error, call) => parts.logger.error({ event: 'admin_handler_failed', method: call.method, path: call.path, detail: (error as Error).message }, 'admin_handler_failed'),
    maxConnections: admin.maxConnections,
  });
  return { server, dashboard };
}

/** What the dashboard shows each second: the summary's headline figures, sessions, the rollout. */
function dashboardState(parts: AdminApiParts): Record<string, unknown> {
  const m = parts.metrics();
  const s = m.summary;
  const r = parts.rollout?.status() as { state: string; step: number; steps: number[]; exposurePercent: number; gates: unknown[] } | undefined;
  return {
    runId: parts.runId,
    orders: s.orders,
    matchRate: s.matchRate,
    matchRateCi95: s.matchRateCi95,
    coverage: s.coverage.ratio,
    executed: { production: s.production.executed, candidate: s.candidate.executed },
    divergences: { total: s.divergences.total, critical: s.divergences.bySeverity.critical, byClass: s.divergences.byClass },
    latency: { production: { p50: s.latencyUs.production.p50, p99: s.latencyUs.production.p99 }, candidate: { p50: s.latencyUs.candidate.p50, p99: s.latencyUs.candidate.p99 } },
    sessions: m.sessions,
    candidates: (s.candidates ?? []).map((c) => ({ id: c.id, kind: c.kind, verdict: c.verdict, why: c.why, matchRate: c.matchRate, matchRateCi95: c.matchRateCi95, compared: c.compared, divergences: c.divergences.total, critical: c.divergences.bySeverity.critical, reports: c.remote?.reports ?? null })),
    rollout: r === undefined ? null : { state: r.state, step: r.step, steps: r.steps.length, exposurePercent: r.exposurePercent, gates: r.gates },
  };
}
