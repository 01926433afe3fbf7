import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { ApiModule, setupApi } from '../../apps/api/src/api.module';
import { AppConfig, loadConfig } from '@parley/config/config';
import { configureApp } from '@parley/runtime/bootstrap';
import { databaseUrl, runId, templateDatabase, withAdminClient } from './test-env';

export interface TestEnvironment {
  /** Environment variables naming this file's own database and Redis prefix. */
  env: Record<string, string>;
  config: AppConfig;
}

/** A fresh database cloned from the run's migrated template, and a Redis prefix of its own. */
export async function freshEnvironment(): Promise<TestEnvironment> {
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
  const env = {
    DATABASE_URL: databaseUrl(name),
    REDIS_PREFIX: `ptest:${run}:${suffix}:`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
  };
  return { env, config: loadConfig({ ...process.env, ...env }, '/nonexistent/.env') };
}

export interface TestApi {
  app: INestApplication;
  url: string;
  config: AppConfig;
  db: DataSource;
  get<T>(type: new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/** Boots the real api app (same modules, pipes and filter as main.ts) on a free port. */
export async function startApi(environment?: TestEnvironment): Promise<TestApi> {
  const { config } = environment ?? (await freshEnvironment());
  const app = await NestFactory.create(ApiModule.forRoot(config), {
    logger: false,
    forceCloseConnections: true,
  });
  configureApp(app);
  setupApi(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    db: app.get(DataSource),
    get: (type) => app.get(type),
    close: () => app.close(),
  };
}
