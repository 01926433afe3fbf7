import Redis from 'ioredis';
import { Client } from 'pg';
import type { AppConfig } from '@parley/config/config';
import { redisOptions } from './redis.provider';

/** A server a process needs before it can start, and how to tell whether it answers. */
export interface Dependency {
  name: string;
  /** Where it is, for people: host:port (and database), never a password. */
  where: string;
  probe(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3000;
const RETRY_MS = 1000;
/** A dependency still down is named again this often: enough to see it is still waited for, not a flood. */
const REPEAT_MS = 15_000;

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref(),
    ),
  ]);

/** Postgres answers a query in this database (a missing database counts as not ready). */
export function postgresDependency(databaseUrl: string): Dependency {
  const url = new URL(databaseUrl);
  return {
    name: 'Postgres',
    where: `${url.hostname}:${url.port || 5432}${url.pathname}`,
    async probe() {
      const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
      // A connection cut mid-probe is reported through the rejected promise, not as a crash.
      client.on('error', () => undefined);
      try {
        await within(
          PROBE_TIMEOUT_MS,
          client.connect().then(() => client.query('SELECT 1')),
        );
      } finally {
        void client.end().catch(() => undefined);
      }
    },
  };
}

/** Redis answers PING with the app's own connection settings. */
export function redisDependency(config: AppConfig): Dependency {
  const url = new URL(config.redisUrl);
  return {
    name: 'Redis',
    where: `${url.hostname}:${url.port || 6379}`,
    async probe() {
      const client = new Redis(
        redisOptions(config, {
          lazyConnect: true,
          connectTimeout: PROBE_TIMEOUT_MS,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          retryStrategy: () => null,
        }),
      );
      // The socket's error says why ("connection refused"); the rejected connect() only that it closed.
      let cause: Error | undefined;
      client.on('error', (error: Error) => (cause ??= error));
      try {
        await within(
          PROBE_TIMEOUT_MS,
          client.connect().then(() => client.ping()),
        );
      } catch (error) {
        throw cause ?? error;
      } finally {
        client.disconnect();
      }
    },
  };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
};

function reasonOf(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return (code && REASONS[code]) || message || String(error);
}

/**
 * Resolves once every dependency answers. Until then it probes each second and reports through
 * `report` one line per dependency that does not answer (again when the reason changes, and every
 * 15 s while it lasts), then one line when it answers. Never rejects: a process waits for its
 * servers rather than exiting.
 */
export async function waitForDependencies(
  dependencies: Dependency[],
  report: (line: string) => void,
  options: { retryMs?: number; repeatMs?: number } = {},
): Promise<void> {
  const retryMs = options.retryMs ?? RETRY_MS;
  const repeatMs = options.repeatMs ?? REPEAT_MS;
  const reported = new Map<Dependency, { reason: string; at: number }>();
  let pending = dependencies;
  for (;;) {
    const results = await Promise.all(
      pending.map((dependency) =>
        dependency.probe().then(
          () => null,
          (error: unknown) => reasonOf(error),
        ),
      ),
    );
    const still: Dependency[] = [];
    results.forEach((reason, index) => {
      const dependency = pending[index];
      const last = reported.get(dependency);
      if (reason === null) {
        if (last) report(`${dependency.name} at ${dependency.where} answers; going on`);
        return;
      }
      still.push(dependency);
      if (!last || last.reason !== reason || Date.now() - last.at >= repeatMs) {
        report(
          `waiting for ${dependency.name} at ${dependency.where} (${reason}); retrying every ${retryMs / 1000} s`,
        );
        reported.set(dependency, { reason, at: Date.now() });
      }
    });
    if (!still.length) return;
    pending = still;
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
