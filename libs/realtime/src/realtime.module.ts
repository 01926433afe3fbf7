import { Module } from '@nestjs/common';
import { EventBus } from './event-bus';
import { EventRelay } from './event-relay';
import { PresenceService } from './presence.service';

/** For every process that writes events: publishes them from the outbox. */
@Module({ providers: [EventRelay], exports: [EventRelay] })
export class RelayModule {}

/** For processes that serve sockets: the bus and presence (and the relay for their own writes). */
@Module({
  imports: [RelayModule],
  providers: [EventBus, PresenceService],
  exports: [EventBus, PresenceService],
})
export class RealtimeModule {}
