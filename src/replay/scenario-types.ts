// The scenario model (scenarios/*.jsonl): one header line, then time-ordered events.
// Decimals arrive as strings and are held as E8 integers; timestamps as epoch microseconds.

import type { LpExecution } from '../core/model/lifecycle.js';
import type { LpStatus, OrderRequest, Quote } from '../core/model/types.js';

export const SCENARIO_SCHEMA = 'shadow-bridge/scenario@1';

export interface ScenarioHeader {
  readonly name: string;
  readonly description: string;
  readonly startUs: number;
  readonly instruments: readonly string[];
  readonly lps: readonly string[];
  /** Bundles the scenario's divergence expectations were written for, relative to the file. */
  readonly bundles: { readonly production: string | null; readonly candidate: string | null };
  /** The rollout plan `stage` runs this scenario with (relative to the file), if it names one. */
  readonly rollout: string | null;
}

export interface ExpectDecision {
  readonly action?: 'route' | 'reject';
  readonly reason?: string;
  readonly lp?: string;
  readonly rule?: string;
}

/** An assertion checked after the replay: on one order's decisions, or on divergence counts. */
export interface Expectation {
  readonly line: number;
  readonly order: string | null;
  readonly divergenceClass: string | null;
  readonly severity: string | null;
  readonly count: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly production: ExpectDecision | null;
  readonly candidate: ExpectDecision | null;
  readonly note: string;
}

export type ScenarioEvent =
  | { readonly type: 'quote'; readonly tsUs: number; readonly quote: Quote }
  | { readonly type: 'order'; readonly tsUs: number; readonly order: OrderRequest }
  | { readonly type: 'cancel'; readonly tsUs: number; readonly id: string; readonly origId: string }
  | { readonly type: 'lp_status'; readonly tsUs: number; readonly lp: string; readonly status: LpStatus; readonly reason: string }
  | { readonly type: 'lp_exec'; readonly tsUs: number; readonly exec: LpExecution }
  | { readonly type: 'lp_behavior'; readonly tsUs: number; readonly lp: string; readonly behavior: Readonly<Record<string, unknown>> }
  | { readonly type: 'calendar'; readonly tsUs: number; readonly session: string; readonly event: string }
  | { readonly type: 'config_change'; readonly tsUs: number; readonly target: 'production' | 'candidate'; readonly bundle: string }
  | { readonly type: 'annotation'; readonly tsUs: number; readonly text: string }
  | { readonly type: 'expect'; readonly tsUs: number; readonly expectation: Expectation };

export const EVENT_TYPES = [
  'quote',
  'order',
  'cancel',
  'lp_status',
  'lp_exec',
  'lp_behavior',
  'calendar',
  'config_change',
  'annotation',
  'expect',
] as const;
