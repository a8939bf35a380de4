import type { ServerType } from '@hono/node-server';
import { closeLoopbackServer, listenOnLoopback } from '../../src/telephony/loopback-server.js';

/**
 * What the local fakes of provider APIs share: a Hono app listening on 127.0.0.1 (a free port),
 * its base URL, and closing it. A fake's static `start` builds it and calls `listen`.
 */
export abstract class LoopbackFakeApi {
  private server: ServerType | null = null;
  private origin = '';

  protected async listen(app: { fetch: Parameters<typeof listenOnLoopback>[0] }): Promise<void> {
    ({ server: this.server, origin: this.origin } = await listenOnLoopback(app.fetch));
  }

  get baseUrl(): string {
    return this.origin;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeLoopbackServer(server);
  }
}

/** Which requests an injected fault applies to (default all), and to how many of them (default 1). */
export interface FaultMatch {
  method?: string;
  pathIncludes?: string;
  times?: number;
}

type Rule<T> = T & { method?: string; pathIncludes?: string; times: number };

/**
 * A fake provider API a test can make fail or slow down: the next matching request(s) wait
 * `ms`, then are answered with an error of `status` in the provider's own shape.
 */
export abstract class FaultyLoopbackFakeApi extends LoopbackFakeApi {
  private failures: Rule<{ status: number }>[] = [];
  private delays: Rule<{ ms: number }>[] = [];

  failNext(rule: FaultMatch & { status: number }): void {
    this.failures.push({ ...rule, times: rule.times ?? 1 });
  }
  delayNext(rule: FaultMatch & { ms: number }): void {
    this.delays.push({ ...rule, times: rule.times ?? 1 });
  }
  clearFaults(): void {
    this.failures = [];
    this.delays = [];
  }

  /** Waits out a delay matching this request, then the status of a failure matching it, or null. */
  protected async injectedFailure(method: string, path: string): Promise<number | null> {
    const delay = take(this.delays, method, path);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms).unref());
    return take(this.failures, method, path)?.status ?? null;
  }
}

function take<T>(rules: Rule<T>[], method: string, path: string): Rule<T> | undefined {
  const rule = rules.find(
    (r) =>
      r.times > 0 && (!r.method || r.method === method) && (!r.pathIncludes || path.includes(r.pathIncludes)),
  );
  if (rule) rule.times -= 1;
  return rule;
}

/** A request body as the fakes record it: parsed JSON, the raw text if it is not JSON, undefined if empty. */
export function bodyOf(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
