import { Module } from '@nestjs/common';
import { DomainModule } from '@parley/domain/domain.module';
import { EventLog } from '@parley/domain/events/event-log';
import { PresenceService } from '@parley/domain/services/presence.service';
import { TypingService } from '@parley/domain/services/typing.service';
import { WebhookFanout } from '@parley/domain/webhooks/webhook.fanout';
import { AutoReplyReader } from '@parley/domain/business-hours/auto-reply.reader';
import { MetricsReader } from '@parley/domain/reports/metrics.reader';
import { RoutingService } from '@parley/domain/services/routing.service';
import { EventBus } from './event-bus';
import { RealtimePublisher } from './realtime-publisher';

/**
 * For every process that writes events: runs the event log's readers here too (a workspace's
 * batch goes to whichever process claims it first): the realtime publisher, the webhooks fan-out,
 * the automatic replies (out of hours, rating requests), the report/SLA metrics and team routing.
 */
@Module({
  imports: [DomainModule],
  providers: [EventLog, RealtimePublisher, WebhookFanout, AutoReplyReader, MetricsReader, RoutingService],
  exports: [EventLog],
})
export class RelayModule {}

/**
 * For processes that serve sockets: the bus, who is online and who is typing (and the readers,
 * for their own writes).
 */
@Module({
  imports: [RelayModule, DomainModule],
  providers: [EventBus, PresenceService, TypingService],
  exports: [EventBus, PresenceService, TypingService, RelayModule],
})
export class RealtimeModule {}
