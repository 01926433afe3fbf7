import { Agent, request } from 'node:http';
import { sleep } from './harness';

/**
 * An open-loop HTTP load generator: request i is due at start + i/rate whatever happened to the
 * ones before it, so a slow server shows up as latency (measured from the moment a request was
 * due, waiting for a free connection included) instead of as a lower offered rate — the
 * "coordinated omission" a closed-loop generator (autocannon's connections) would hide. At most
 * `connections` requests are in flight, on keep-alive connections, the way Telegram holds a bot's
 * updates while its `max_connections` (at most 100) webhook calls are busy.
 */
export interface LoadOptions {
  rate: number;
  seconds: number;
  connections: number;
  /** Request i: where to POST and the JSON body (built when it is sent, so cheap on memory). */
  request(i: number): { url: string; body: string; headers?: Record<string, string> };
  /** A request not answered in this long is given up (counted under errors as "timeout"). */
  timeoutMs?: number;
  /** Requests still waiting for a connection this long after the schedule's end are not sent. */
  graceMs?: number;
  /** Called with each answer (status 0: no answer). */
  onAnswer?(i: number, status: number): void;
}

export interface LoadResult {
  due: number;
  sent: number;
  answered: number;
  statuses: Map<number, number>;
  errors: Map<string, number>;
  /** Per answered request: answered − due (ms), queueing for a connection included. */
  latencies: number[];
  /** Per answered request: answered − written (ms), the server's part alone. */
  service: number[];
  /** Indices answered 2xx. */
  ok: number[];
  /** Wall clock (Date.now) of the first request's due time, for comparing with Postgres' clock. */
  startedAt: number;
  /** From the first due time to the last answer. */
  seconds: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { rate, connections } = options;
  const timeoutMs = options.timeoutMs ?? 30000;
  const graceMs = options.graceMs ?? 1000;
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * options.seconds);
  const result: LoadResult = {
    due: total,
    sent: 0,
    answered: 0,
    statuses: new Map(),
    errors: new Map(),
    latencies: [],
    service: [],
    ok: [],
    startedAt: 0,
    seconds: 0,
  };
  const t0 = performance.now() + 20;
  result.startedAt = Date.now() + 20;
  const end = t0 + options.seconds * 1000;
  let lastAnswer = t0;
  let next = 0;

  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const { url, body, headers } = options.request(i);
      const target = new URL(url);
      const written = performance.now();
      result.sent++;
      const fail = (reason: string) => {
        result.errors.set(reason, (result.errors.get(reason) ?? 0) + 1);
        options.onAnswer?.(i, 0);
        resolve();
      };
      const req = request(
        {
          agent,
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('error', () => undefined);
          res.on('end', () => {
            const at = performance.now();
            const status = res.statusCode ?? 0;
            lastAnswer = Math.max(lastAnswer, at);
            result.answered++;
            result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
            result.latencies.push(at - due);
            result.service.push(at - written);
            if (status >= 200 && status < 300) result.ok.push(i);
            options.onAnswer?.(i, status);
            resolve();
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', (error) => fail(error.message === 'timeout' ? 'timeout' : error.message));
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        const i = next++;
        const due = t0 + (i * 1000) / rate;
        // A timer may fire up to a millisecond early (the event loop's clock is cached): wait again.
        for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await sleep(wait);
        // Far behind: what is still waiting when the schedule is over is counted, not sent.
        if (performance.now() > end + graceMs) {
          next = total;
          return;
        }
        await send(i, due);
      }
    }),
  );
  agent.destroy();
  result.seconds = (lastAnswer - t0) / 1000;
  return result;
}

/** One line per outcome: what was due, sent, answered (by status) and not. */
export function describeLoad(name: string, load: LoadResult): string {
  const statuses = [...load.statuses].map(([status, n]) => `${n}×${status}`).join(', ') || 'none';
  const errors = [...load.errors].map(([reason, n]) => `${n}× ${reason}`).join(', ');
  const notSent = load.due - load.sent;
  return (
    `${name}: ${load.due} due, ${load.sent} sent` +
    (notSent ? ` (${notSent} never sent: every connection still busy after the schedule)` : '') +
    `, answered ${statuses}` +
    (errors ? `, no answer: ${errors}` : '') +
    `; ${(load.answered / load.seconds).toFixed(1)} answered/s over ${load.seconds.toFixed(1)} s`
  );
}
