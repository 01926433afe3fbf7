import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '@parley/config/config';
import { ConfigModule } from '@parley/config/config.module';
import { dataSourceOptions } from '@parley/database/data-source-options';
import { HealthController } from './health.controller';
import { Metrics, MetricsController } from './metrics';
import { RedisClient } from './redis.provider';

/** Strips credentials that clients may put in a URL (the WebSocket `?token=`, an OAuth callback's `code` and `state`). */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:token|access_token|refresh_token|code|state)=)[^&]*/gi, '$1[redacted]');
}

/** What every Parley process shares: config, JSON logs, Postgres, Redis, /healthz and /readyz. */
@Module({})
export class RuntimeModule {
  static forRoot(config: AppConfig, app: string): DynamicModule {
    return {
      module: RuntimeModule,
      global: true,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // Nest 11's path syntax for "every route" (the default '*' draws a deprecation warning).
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          // A platform's deliveries come by the thousand in a storm: they are counted on /metrics
          // (parley_webhook_deliveries_total by platform and answer) instead of a log line each;
          // refusals are security events, failures are logged by the error filter.
          exclude: [{ path: 'webhooks/{*splat}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            base: { app },
            redact: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["sec-websocket-protocol"]',
            ],
            serializers: {
              req: (req: IncomingMessage & { id?: unknown }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
            },
            autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
            customLogLevel: (_req, res, error) => {
              if (error || res.statusCode >= 500) return 'error';
              return res.statusCode >= 400 ? 'warn' : 'info';
            },
          },
        }),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl),
          retryAttempts: 2,
          retryDelay: 1000,
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [RedisClient, Metrics],
      exports: [RedisClient, Metrics],
    };
  }
}
