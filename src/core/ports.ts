// What core needs from the outside world, as small interfaces: time, order output, sinks, logs.
// Live wires sockets and the wall clock in; replay wires recorders and the replay clock in.

import type { LifecycleEntry } from './model/lifecycle.js';
import type { Decision, Order } from './model/types.js';
import type { DecisionContext } from './shadow/context.js';
import type { DivergenceRecord, ShadowFault } from './shadow/divergence.js';

/** The only source of "now" that core reads. Live: wall clock; replay: recorded timestamps. */
export interface Clock {
  /** Microseconds since the Unix epoch, an integer. */
  nowUs(): number;
}

/** A monotonic high-resolution timer for measuring decision latency (never used to decide). */
export interface Stopwatch {
  nowNs(): number;
}

/** Receives latency samples; implementations must not allocate per call. */
export interface LatencyRecorder {
  recordNs(valueNs: number): void;
}

/** Why a routed order never left for its LP (the sink refused it and told the platform). */
export interface NotSent {
  readonly reason: string;
  readonly detail: string;
}

/** Where production's decisions go: routed orders to the LP, rejects back to the platform. */
export interface OrderSink {
  /**
   * Called once per order, after production decided and before any candidate work starts.
   * Returns null when a routed order went out (or a reject was answered), or why a routed
   * order could not be sent (LP down, price or quantity unsafe, journal unavailable).
   */
  onProductionDecision(order: Order, decision: Decision): NotSent | null;
}

/** Where divergences go. Must not block; implementations buffer and write off the hot path. */
export interface DivergenceSink {
  record(divergence: DivergenceRecord, context: DecisionContext): void;
}

/** Where candidate faults (errors, timeouts, drops) go. */
export interface ShadowFaultSink {
  fault(fault: ShadowFault): void;
}

/** One log line per order lifecycle step; the correlation id is on every line. */
export interface LifecycleLog {
  step(entry: LifecycleEntry): void;
  /** Engine-level events that belong to no order (LP status changes, config switches). */
  event(name: string, fields: Readonly<Record<string, unknown>>): void;
}
