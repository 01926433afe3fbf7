import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Channel } from '@parley/database/entities/channel.entity';
import { SecurityEventService } from '@parley/security/security-event.service';
import { EventService } from './event.service';

/**
 * A channel whose grant is gone (Instagram's error 190, Divar's 401 or revocation notice, a refused
 * refresh): marked "reauthorization required" with a `channel.updated` event, which reaches the
 * admins as a notification, and a security event. Its replies are held, and the sweeper resumes
 * them once the channel is active again.
 */
@Injectable()
export class ChannelStatusService {
  private readonly logger = new Logger(ChannelStatusService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly security: SecurityEventService,
  ) {}

  /** True when this call changed the status (an already held channel is left as is). */
  async requireReauthorization(
    channel: Pick<Channel, 'id' | 'workspaceId'>,
    reason: string,
  ): Promise<boolean> {
    const changed = await this.db.transaction(async (manager) => {
      const { affected } = await manager.update(
        Channel,
        { id: channel.id, workspaceId: channel.workspaceId, status: 'active' },
        { status: 'reauthorization_required' },
      );
      if (!affected) return false;
      await this.events.append(manager, channel.workspaceId, {
        type: 'channel.updated',
        conversationId: null,
        payload: { channel_id: channel.id, status: 'reauthorization_required', reason },
      });
      return true;
    });
    if (changed) {
      this.logger.warn(`channel ${channel.id} needs reauthorization: ${reason}`);
      await this.security.record({
        kind: 'channel_reauthorization_required',
        workspaceId: channel.workspaceId,
        detail: { channel_id: channel.id, reason },
      });
    }
    return changed;
  }

  /** The owner authorized again: replies flow (the sweeper picks up what was held). */
  async reactivate(channel: Pick<Channel, 'id' | 'workspaceId'>): Promise<void> {
    await this.db.transaction(async (manager) => {
      const { affected } = await manager.update(
        Channel,
        { id: channel.id, workspaceId: channel.workspaceId, status: 'reauthorization_required' },
        { status: 'active' },
      );
      if (!affected) return;
      await this.events.append(manager, channel.workspaceId, {
        type: 'channel.updated',
        conversationId: null,
        payload: { channel_id: channel.id, status: 'active', reason: null },
      });
    });
  }
}
