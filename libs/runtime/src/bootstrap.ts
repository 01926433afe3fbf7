import { DynamicModule, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig, CONFIG, ConfigError, loadConfig } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { ErrorFilter } from '@parley/errors/error.filter';
import { trustFunction } from '@parley/security/client-ip';
import { applySecurityHeaders } from './security-headers';
import { postgresDependency, redisDependency, waitForDependencies } from './dependencies';

const SHUTDOWN_GRACE_MS = 10_000;

function flatten(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Pipes, filter and logger every app shares; tests call this too so they exercise the same stack. */
export function configureApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  applySecurityHeaders(app, app.get<AppConfig>(CONFIG).publicUrl);
  // req.ip is the client behind trusted proxies only (TRUST_PROXY), for blacklists and budgets.
  (app.getHttpAdapter().getInstance() as { set(key: string, value: unknown): void }).set(
    'trust proxy',
    trustFunction(app.get<AppConfig>(CONFIG).security.trustProxy),
  );
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const details = flatten(errors);
        const problems = details.flatMap((d) => d.problems).join('; ');
        return new AppError('validation_failed', 400, { problems }, details);
      },
    }),
  );
}

/**
 * Starts one Parley process: validates config (one clear line per bad variable, exit 1), waits
 * for Postgres and Redis (saying so) rather than exiting, listens, and on SIGTERM or SIGINT stops
 * accepting, drains in-flight work and exits.
 */
export async function runApp(
  name: string,
  moduleFor: (config: AppConfig) => DynamicModule,
  portOf: (config: AppConfig) => number,
  setup: (app: INestApplication, config: AppConfig) => void | Promise<void> = () => undefined,
  options: { rawBody?: boolean } = {},
): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems)
        process.stderr.write(`parley-${name}: invalid configuration: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }

  // Handled from the first moment: a stop while waiting for a dependency is a clean exit, and the
  // second signal of a Ctrl-C (the terminal's SIGINT, then a supervisor's SIGTERM) is no new drain.
  const running: { app?: INestApplication; stopping?: true } = {};
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (running.stopping) return;
      running.stopping = true;
      const app = running.app;
      if (!app) process.exit(0);
      app.get(Logger).log(`parley-${name} received ${signal}: draining`);
      setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
      // close() stops the listener, waits for in-flight requests and runs every shutdown hook.
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }

  // The same JSON lines as the app's logger, which does not exist yet.
  const early = pino({ level: config.logLevel, base: { app: name } });
  await waitForDependencies([postgresDependency(config.databaseUrl), redisDependency(config)], (line) =>
    early.warn(`parley-${name}: ${line}`),
  );

  let created: INestApplication;
  try {
    created = await NestFactory.create(moduleFor(config), {
      bufferLogs: true,
      forceCloseConnections: true,
      abortOnError: false,
      rawBody: options.rawBody ?? false,
    });
  } catch (error) {
    process.stderr.write(`parley-${name}: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  configureApp(created);
  await setup(created, config);
  running.app = created;
  await created.listen(portOf(config), config.bindHost);
  const { port } = created.getHttpServer().address() as AddressInfo;
  created.get(Logger).log(`parley-${name} listening on :${port} (bound to ${config.bindHost})`);
}
