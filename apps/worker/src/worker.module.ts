import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@parley/config/config';
import { DomainModule } from '@parley/domain/domain.module';
import { InboundUpdateProcessor } from '@parley/domain/services/inbound-update.processor';
import { RelayModule } from '@parley/realtime/realtime.module';
import { RuntimeModule } from '@parley/runtime/runtime.module';
import { JobHandlers } from './processors/job-handlers';
import { OutboundSweeper } from './processors/outbound.sweeper';
import { RetentionScheduler } from './processors/retention.scheduler';
import { TokenRefresher } from './processors/token.refresher';
import { WebhookDispatcher } from './processors/webhook.dispatcher';
import { SlaScanner } from './processors/sla.scanner';
import { WebhookDeliveryService } from '@parley/domain/webhooks/webhook-delivery.service';

/**
 * Recorded webhook deliveries into the inbox, BullMQ consumers (outbound relay, media, typing),
 * the sweeper, the retention scan, the OAuth token refresher and the sender of outgoing webhooks; HTTP serves only /healthz,
 * /readyz and /metrics.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [RuntimeModule.forRoot(config, 'worker'), DomainModule, RelayModule],
      providers: [
        JobHandlers,
        OutboundSweeper,
        InboundUpdateProcessor,
        RetentionScheduler,
        TokenRefresher,
        WebhookDeliveryService,
        WebhookDispatcher,
        SlaScanner,
      ],
    };
  }
}
