// Bounded logging of what peers send us: per event name, the first `burst` lines of each window
// are written, the rest are counted and summarised in one line when the window ends. A hostile
// peer flooding bad headers costs a counter increment per message, not a log line (a flood once
// wrote 320 MB in 5 s and slowed every other session).

export interface EventLog {
  event(name: string, fields: Readonly<Record<string, unknown>>): void;
}

export interface RateLimitOptions {
  /** Lines written per event name per window. */
  readonly burst: number;
  readonly windowMs: number;
  /** Event names that are always written (logons, logouts: rare and worth every line). */
  readonly unlimited?: ReadonlySet<string>;
  readonly nowMs?: () => number;
}

interface Window {
  startMs: number;
  written: number;
  suppressed: number;
}

export class RateLimitedLog implements EventLog {
  private readonly windows = new Map<string, Window>();
  /** Lines suppressed since start, per event name. */
  readonly suppressed = new Map<string, number>();
  private readonly nowMs: () => number;

  constructor(
    private readonly inner: EventLog,
    private readonly options: RateLimitOptions,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  event(name: string, fields: Readonly<Record<string, unknown>>): void {
    if (this.options.unlimited?.has(name) === true) {
      this.inner.event(name, fields);
      return;
    }
    const now = this.nowMs();
    let w = this.windows.get(name);
    if (w === undefined) {
      w = { startMs: now, written: 0, suppressed: 0 };
      this.windows.set(name, w);
    } else if (now - w.startMs >= this.options.windowMs) {
      this.closeWindow(name, w);
      w.startMs = now;
      w.written = 0;
      w.suppressed = 0;
    }
    if (w.written < this.options.burst) {
      w.written++;
      this.inner.event(name, fields);
      return;
    }
    w.suppressed++;
    this.suppressed.set(name, (this.suppressed.get(name) ?? 0) + 1);
  }

  /** Writes the summary lines of windows that suppressed something (call at stop). */
  flush(): void {
    for (const [name, w] of this.windows) {
      this.closeWindow(name, w);
      w.suppressed = 0;
    }
  }

  private closeWindow(name: string, w: Window): void {
    if (w.suppressed > 0) this.inner.event('log_suppressed', { suppressedEvent: name, lines: w.suppressed, windowMs: this.options.windowMs });
  }
}
