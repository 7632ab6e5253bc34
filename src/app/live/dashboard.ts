// The live dashboard: a page shell on the admin port (no data in it) and a server-sent event
// stream behind the bearer token: the engine's state every second, every divergence as it is
// recorded. The page's pause and rollback buttons call the same audited commands as the CLI.

import { formatTimestampUs } from '../../core/model/timestamps.js';
import type { DivergenceRecord } from '../../core/shadow/divergence.js';
import type { AdminRoute, AdminStream } from '../../gateways/http/admin-server.js';
import { DASHBOARD_HTML } from './dashboard-page.js';

/** Divergences pushed to one client per second at most; the rest are counted, not sent. */
const DIVERGENCES_PER_SECOND = 200;

export interface DashboardSources {
  /** The state the page shows, taken once a second while someone watches. */
  readonly state: () => Record<string, unknown>;
}

export class DashboardFeed {
  private readonly clients = new Set<AdminStream>();
  private timer: NodeJS.Timeout | null = null;
  private sentThisSecond = 0;
  private skipped = 0;

  constructor(private readonly sources: DashboardSources) {}

  routes(): AdminRoute[] {
    return [
      // The shell is public (a browser navigation cannot carry a bearer token); it holds no data.
      { method: 'GET', path: '/dashboard', public: true, handle: () => ({ status: 200, body: DASHBOARD_HTML, contentType: 'text/html; charset=utf-8' }) },
      {
        method: 'GET',
        path: '/api/events',
        handle: () => ({ status: 405, body: { ok: false, code: 'SB_ERR_ADMIN_REQUEST', detail: 'an event stream' } }),
        stream: (_call, out) => {
          this.clients.add(out);
          out.send('state', this.sources.state());
          this.ensureTimer();
          return () => {
            this.clients.delete(out);
            if (this.clients.size === 0) this.stopTimer();
          };
        },
      },
    ];
  }

  /** A divergence as recorded: sent to every watching page (bounded per second). */
  divergence(r: DivergenceRecord): void {
    if (this.clients.size === 0) return;
    if (this.sentThisSecond >= DIVERGENCES_PER_SECOND) {
      this.skipped++;
      return;
    }
    this.sentThisSecond++;
    const event = { at: formatTimestampUs(r.atUs), correlationId: r.correlationId, clientOrderId: r.clientOrderId, account: r.account, group: r.group, symbol: r.platformSymbol, class: r.class, severity: r.severity, detail: r.detail, executedBy: r.executedBy };
    for (const c of this.clients) c.send('divergence', event);
  }

  stop(): void {
    this.stopTimer();
    this.clients.clear();
  }

  private ensureTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.sentThisSecond = 0;
      const state = { ...this.sources.state(), divergencesNotStreamed: this.skipped };
      for (const c of this.clients) c.send('state', state);
    }, 1_000);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
