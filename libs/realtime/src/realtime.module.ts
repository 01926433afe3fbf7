import { Module } from '@nestjs/common';
import { EventLog } from '@parley/domain/events/event-log';
import { EventBus } from './event-bus';
import { PresenceService } from './presence.service';
import { RealtimePublisher } from './realtime-publisher';

/**
 * For every process that writes events: runs the event log's readers here too (a workspace's
 * batch goes to whichever process claims it first), with the realtime publisher among them.
 */
@Module({ providers: [EventLog, RealtimePublisher], exports: [EventLog] })
export class RelayModule {}

/** For processes that serve sockets: the bus and presence (and the readers for their own writes). */
@Module({
  imports: [RelayModule],
  providers: [EventBus, PresenceService],
  exports: [EventBus, PresenceService, RelayModule],
})
export class RealtimeModule {}
