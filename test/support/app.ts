import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiModule, setupApi } from '../../apps/api/src/api.module';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { PlatformSimulator } from '../../tools/simulator/simulator';
import { AppConfig, loadConfig } from '@parley/config/config';
import { configureApp } from '@parley/runtime/bootstrap';
import { databaseUrl, runId, templateDatabase, withAdminClient } from './test-env';

export const INSTAGRAM_APP_SECRET = 'test-instagram-app-secret';
export const INSTAGRAM_VERIFY_TOKEN = 'test-instagram-verify-token';

export interface TestEnvironment {
  /** Environment variables naming this file's own database, Redis prefix, simulator and ports. */
  env: Record<string, string>;
  config: AppConfig;
  simulator: PlatformSimulator;
  ingestPort: number;
  /** Re-reads the config after a test changed `env`. */
  reload(): void;
  close(): Promise<void>;
}

/**
 * A port free now, for a process to listen on a moment later. Taken below the kernel's ephemeral
 * range (32768–60999 here): a port the kernel handed out could be taken meanwhile as the source
 * port of any outgoing connection (to Postgres, Redis...), and the process would fail to listen.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const candidate = 20000 + Math.floor(Math.random() * 12000);
    const server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (!listening) continue;
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}

/**
 * A fresh database cloned from the run's migrated template, a Redis prefix of its own, and a
 * platform simulator standing in for Telegram and Instagram.
 */
export async function freshEnvironment(extra: Record<string, string> = {}): Promise<TestEnvironment> {
  const run = runId();
  const suffix = randomBytes(4).toString('hex');
  const name = `parley_test_${run}_${suffix}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdminClient((client) =>
        client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase(run)}"`),
      );
      break;
    } catch (error) {
      // Two files cloning the same template at the same instant: one waits briefly and tries again.
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
  const ingestPort = await freePort();
  const publicUrl = `http://127.0.0.1:${ingestPort}`;
  const simulator = await new PlatformSimulator({
    instagramWebhookUrl: `${publicUrl}/webhooks/instagram`,
    instagramAppSecret: INSTAGRAM_APP_SECRET,
  }).start();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl(name),
    REDIS_PREFIX: `ptest:${run}:${suffix}:`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    PUBLIC_URL: publicUrl,
    INGEST_PORT: String(ingestPort),
    TELEGRAM_API_ROOT: simulator.url,
    INSTAGRAM_API_URL: simulator.url,
    // The simulator's CDN is where its Instagram attachment URLs point: allowed as that exact origin.
    INSTAGRAM_MEDIA_HOSTS: simulator.cdnUrl,
    INSTAGRAM_APP_SECRET,
    INSTAGRAM_VERIFY_TOKEN,
    // Divar's API and OAuth hosts, its upload host and its attachments' CDN: the simulator's.
    DIVAR_API_URL: `${simulator.url}/divar`,
    DIVAR_OAUTH_URL: `${simulator.url}/divar`,
    DIVAR_UPLOAD_URL: `${simulator.url}/divar-upload`,
    DIVAR_MEDIA_HOSTS: simulator.cdnUrl,
    MEDIA_DIR: mkdtempSync(join(tmpdir(), 'parley-media-')),
    RETRY_BASE_MS: '50',
    JOB_LOCK_MS: '3000',
    SWEEP_AFTER_SECONDS: '2',
    // Files that test the limits themselves set them back; the others send more than 20 a minute.
    MESSAGES_PER_MINUTE: '10000',
    AUTH_FAILURES_BEFORE_BLOCK: '1000',
    AUTH_REQUESTS_PER_MINUTE_PER_IP: '100000',
    WEBHOOK_REFUSALS_PER_MINUTE_PER_IP: '100000',
    ...extra,
  };
  let config: AppConfig;
  try {
    config = loadConfig({ ...process.env, ...env }, '/nonexistent/.env');
  } catch (error) {
    await simulator.stop();
    throw error;
  }
  const environment: TestEnvironment = {
    env,
    config,
    simulator,
    ingestPort,
    reload() {
      environment.config = loadConfig({ ...process.env, ...env }, '/nonexistent/.env');
    },
    close: () => simulator.stop(),
  };
  return environment;
}

export interface TestApp {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: DataSource;
  environment: TestEnvironment;
  get<T>(type: new (...args: never[]) => T): T;
  close(): Promise<void>;
}
export type TestApi = TestApp;

async function boot(
  module: DynamicModule,
  environment: TestEnvironment,
  owned: boolean,
  options: { port?: number; rawBody?: boolean; api?: boolean } = {},
): Promise<TestApp> {
  const app = await NestFactory.create(module, {
    logger: false,
    forceCloseConnections: true,
    rawBody: options.rawBody ?? false,
  });
  configureApp(app);
  if (options.api) setupApi(app);
  await app.listen(options.port ?? 0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config: environment.config,
    db: app.get(DataSource),
    environment,
    get: (type) => app.get(type),
    close: async () => {
      await app.close();
      if (owned) await environment.close();
    },
  };
}

/** Boots the real api app (same modules, pipes and filter as main.ts) on a free port. */
export async function startApi(environment?: TestEnvironment): Promise<TestApp> {
  const env = environment ?? (await freshEnvironment());
  // A file that needs the api at a known address (its API_PUBLIC_URL, for OAuth redirects) sets API_PORT.
  const port = env.env.API_PORT ? Number(env.env.API_PORT) : undefined;
  return boot(ApiModule.forRoot(env.config), env, !environment, { api: true, port });
}

/** Boots the ingest app on the environment's PUBLIC_URL port, where the simulator posts webhooks. */
export function startIngest(environment: TestEnvironment): Promise<TestApp> {
  return boot(IngestModule.forRoot(environment.config), environment, false, {
    port: environment.ingestPort,
    rawBody: true,
  });
}

/** Boots the worker (queue consumers and sweeper). */
export function startWorker(environment: TestEnvironment): Promise<TestApp> {
  return boot(WorkerModule.forRoot(environment.config), environment, false);
}
