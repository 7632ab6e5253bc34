// A client of a running engine's admin API (what `shadow-bridge rollout ...` calls): one JSON
// request with the bearer token, bounded in time, with errors that say what to check.

import { BridgeError } from '../core/errors.js';

export interface AdminAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface AdminClientOptions {
  /** Base URL (`http://127.0.0.1:7070`). */
  readonly url: string;
  readonly token: string;
  readonly timeoutMs?: number;
}

export class AdminClient {
  private readonly base: URL;

  constructor(private readonly o: AdminClientOptions) {
    try {
      this.base = new URL(o.url);
    } catch {
      throw new BridgeError('SB_ERR_ADMIN', `${o.url} is not a URL (like http://127.0.0.1:7070)`);
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new BridgeError('SB_ERR_ADMIN', `${o.url}: only http:// and https:// URLs`);
  }

  get(path: string): Promise<AdminAnswer> {
    return this.call('GET', path, undefined);
  }

  post(path: string, body: unknown): Promise<AdminAnswer> {
    return this.call('POST', path, body);
  }

  private async call(method: string, path: string, body: unknown): Promise<AdminAnswer> {
    const url = new URL(path, this.base);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.o.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5_000),
        redirect: 'error',
      });
    } catch (error) {
      const inner = (error as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (error as Error).name;
      const hint = cause === 'ECONNREFUSED' ? ': nothing listens there (is the engine running, with an admin section?)' : cause === 'TimeoutError' ? ': no answer in time' : `: ${cause}`;
      throw new BridgeError('SB_ERR_ADMIN', `cannot reach ${url.origin}${hint}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BridgeError('SB_ERR_ADMIN', `${url.origin}${url.pathname} answered ${response.status} with something that is not JSON (is this a shadow-bridge admin API?)`);
    }
    if (typeof parsed !== 'object' || parsed === null) throw new BridgeError('SB_ERR_ADMIN', `${url.origin}${url.pathname} answered ${response.status} with ${text.slice(0, 80)}`);
    return { status: response.status, body: parsed as Record<string, unknown> };
  }
}
