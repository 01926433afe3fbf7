import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformSimulator } from '../../tools/simulator/simulator';
import { freePort, INSTAGRAM_APP_SECRET, INSTAGRAM_VERIFY_TOKEN } from './app';
import { launchStart, Running, signalGroup, startWouldRebuild } from './processes';
import { databaseUrl, runId } from './test-env';
import { eventually } from './ws';

export const APPS = ['api', 'ingest', 'worker'] as const;
export type App = (typeof APPS)[number];

export interface StartEnvironment {
  /** What `npm start` is run with: its own database (not created yet), Redis prefix, ports and media dir. */
  env: Record<string, string>;
  ports: Record<App, number>;
  /** The "real platform" it is configured with, so start.sh runs no simulator of its own. */
  simulator: PlatformSimulator;
  /** Every `npm start` run so far, stopped (the whole process group) by `close`. */
  runs: Running[];
  start(): Running;
  url(app: App): string;
  readyz(app: App): Promise<number>;
  allReady(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The lines a run wrote to stdout and stderr, as one text. */
export const output = (run: Running) => [...run.stdout, ...run.stderr].join('\n');

/** The pid of the run's `app` process now (none while it is down): looked up in the run's own process group. */
export function appPid(run: Running, app: App): number | undefined {
  const found = spawnSync(
    'pgrep',
    ['-g', String(run.child.pid), '-f', `^\\S*node dist/apps/${app}/src/main\\.js`],
    {
      encoding: 'utf8',
    },
  );
  const pids = found.stdout.split('\n').filter(Boolean).map(Number);
  if (pids.length > 1) throw new Error(`more than one ${app} in the run: ${pids.join(', ')}`);
  return pids[0];
}

/** Nothing of the run is left: start.sh, the supervisor and every app have exited. */
export const gone = (run: Running) => eventually(() => expect(signalGroup(run, 0)).toBe(false), 20000);

export async function startEnvironment(extra: Record<string, string> = {}): Promise<StartEnvironment> {
  const stale = startWouldRebuild();
  if (stale) throw new Error(stale);
  const suffix = randomBytes(4).toString('hex');
  const ports = { api: await freePort(), ingest: await freePort(), worker: await freePort() };
  const shopPort = await freePort();
  const simulator = await new PlatformSimulator({
    instagramWebhookUrl: `http://127.0.0.1:${ports.ingest}/webhooks/instagram`,
    instagramAppSecret: INSTAGRAM_APP_SECRET,
  }).start();
  const env: Record<string, string> = {
    // A name prepare has to create; the run's teardown drops every parley_test_<run>_* database.
    DATABASE_URL: databaseUrl(`parley_test_${runId()}_start_${suffix}`),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `ptest:${runId()}:start${suffix}:`,
    API_PORT: String(ports.api),
    INGEST_PORT: String(ports.ingest),
    WORKER_PORT: String(ports.worker),
    SHOP_PORT: String(shopPort),
    PUBLIC_URL: `http://127.0.0.1:${ports.ingest}`,
    TELEGRAM_API_ROOT: simulator.url,
    INSTAGRAM_API_URL: simulator.url,
    INSTAGRAM_APP_SECRET,
    INSTAGRAM_VERIFY_TOKEN,
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'parley-start-media-')),
    LOG_LEVEL: 'info',
    RETRY_BASE_MS: '50',
    JOB_LOCK_MS: '3000',
    SWEEP_AFTER_SECONDS: '2',
    ...extra,
  };
  const url = (app: App) => `http://127.0.0.1:${ports[app]}`;
  const readyz = async (app: App) => {
    try {
      return (await fetch(`${url(app)}/readyz`)).status;
    } catch {
      return 0;
    }
  };
  const runs: Running[] = [];
  return {
    env,
    ports,
    simulator,
    runs,
    start() {
      const run = launchStart(env);
      runs.push(run);
      return run;
    },
    url,
    readyz,
    allReady: (timeoutMs = 90000) =>
      eventually(async () => {
        const statuses = await Promise.all(APPS.map(readyz));
        expect(Object.fromEntries(APPS.map((app, i) => [app, statuses[i]]))).toEqual({
          api: 200,
          ingest: 200,
          worker: 200,
        });
      }, timeoutMs),
    async close() {
      for (const run of runs) signalGroup(run, 'SIGKILL');
      await simulator.stop();
    },
  };
}
