// Every platform connection of the live engine, whatever its protocol: the FIX acceptor's
// sessions and, when configured, the WebSocket clients. Replies go to the side that owns the
// order's platform key; start, stop and health are asked of both.

import type { BridgeError } from '../../core/errors.js';
import type { ClientReport } from '../../core/orders/order-desk.js';
import type { AdmissionCounters } from '../../gateways/fix/acceptor.js';
import type { WsAdmission } from '../../gateways/ws/json-server.js';
import type { SessionLog } from '../../fix/session/session.js';
import type { LiveConfig } from '../live-config.js';
import { PlatformSide, type PlatformReplies, type PlatformSideEvents, type RefusedOrder, type SessionState, type ThrottledCounts } from './platform-side.js';
import { WsPlatformSide } from './ws-platform-side.js';

export class Platforms implements PlatformReplies {
  readonly fix: PlatformSide;
  readonly ws: WsPlatformSide | null;

  constructor(platform: LiveConfig['platform'], o: { readonly runId: string; readonly recoverStores: boolean; readonly log: SessionLog }, events: PlatformSideEvents) {
    this.fix = new PlatformSide(platform, o, events);
    try {
      this.ws = platform.websocket === null ? null : new WsPlatformSide(platform.websocket, { runId: o.runId, storeDir: platform.storeDir, log: o.log }, events);
    } catch (error) {
      this.fix.closeStores();
      throw error;
    }
  }

  private sideOf(key: string): PlatformReplies {
    return this.ws !== null && this.ws.has(key) ? this.ws : this.fix;
  }

  sendReport(r: ClientReport): void {
    this.sideOf(r.order.session).sendReport(r);
  }

  refuse(key: string, o: RefusedOrder, ordRejReason: number, text: string, orderId?: string): void {
    this.sideOf(key).refuse(key, o, ordRejReason, text, orderId);
  }

  /** Opens the FIX port, then the WebSocket port; a failure of the second closes the first. */
  async listen(): Promise<{ fix: number; ws: number | null }> {
    const fix = await this.fix.listen();
    if (this.ws === null) return { fix, ws: null };
    try {
      return { fix, ws: await this.ws.listen() };
    } catch (error) {
      await this.fix.close();
      throw error;
    }
  }

  get admission(): AdmissionCounters & { throttled: Record<string, ThrottledCounts>; ws?: WsAdmission } {
    const fix = { ...this.fix.admission, throttled: Object.fromEntries([...this.fix.throttled].map(([key, n]) => [key, { ...n }])) };
    return this.ws === null ? fix : { ...fix, ws: { ...this.ws.admission } };
  }

  logoutAll(text: string): void {
    this.fix.logoutAll(text);
  }

  async close(): Promise<void> {
    await Promise.all([this.fix.close(), this.ws?.close()]);
  }

  storeFailure(): BridgeError | null {
    return this.fix.storeFailure() ?? this.ws?.storeFailures()[0] ?? null;
  }

  storeFailures(): BridgeError[] {
    return [...this.fix.storeFailures(), ...(this.ws?.storeFailures() ?? [])];
  }

  sessionStates(): SessionState[] {
    return [...this.fix.sessionStates(), ...(this.ws?.sessionStates() ?? [])];
  }

  closeStores(): void {
    this.fix.closeStores();
    this.ws?.closeStores();
  }
}
