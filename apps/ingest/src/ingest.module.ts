import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AppConfig } from '@parley/config/config';
import { DomainModule } from '@parley/domain/domain.module';
import { RuntimeModule } from '@parley/runtime/runtime.module';
import { IpGuardMiddleware } from '@parley/security/ip-guard.middleware';
import { DivarSessionController } from './controllers/divar-session.controller';
import { WebhookController } from './controllers/webhook.controller';

/**
 * Platform webhooks: one pipeline (find channel, verify, validate, normalize, record) for every
 * adapter; answered once the delivery is durably recorded, turned into messages by the worker.
 * Ingest runs none of the event log's readers (the api and the worker do): their reads and writes
 * would share the event loop that answers the platforms.
 */
@Module({})
export class IngestModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IpGuardMiddleware).forRoutes('{*splat}');
  }

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [RuntimeModule.forRoot(config, 'ingest'), DomainModule],
      controllers: [DivarSessionController, WebhookController],
    };
  }
}
