import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ChannelStatus, ChannelType } from '@parley/contract/channel-types';
import type { MessageStatus, PlatformChangeKind, PlatformChangeState } from '@parley/contract/views';
import type { Attachment, Message } from '@parley/database/entities/message.entity';
import { PlatformAdapter, platformReaction } from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import type { PlatformChangeJob } from '@parley/queue/queues';
import { toPlatformChangeView } from '../presenters/message.presenter';
import { ChannelService } from './channel.service';
import { ChannelStatusService } from './channel-status.service';
import { deliveryChannelOf, DeliveryService } from './delivery.service';
import { EventService } from './event.service';

/** What the worker should do with a change's job after one attempt. */
export type ChangeOutcome =
  | { result: 'applied' }
  | { result: 'failed'; reason: string }
  /** The channel needs an admin (expired token): the sweeper resumes it once reconnected. */
  | { result: 'held'; reason: string }
  /** Nothing to do: already settled, or gone. */
  | { result: 'skipped'; reason: string }
  /** Try again after this long without counting an attempt (a rate limit; the reply still being sent). */
  | { result: 'wait'; ms: number; reason: string };

/** An agent's change to a message, as recorded: an edit or delete of a reply, a reaction. */
export type AgentChange =
  { kind: 'edit' } | { kind: 'delete' } | { kind: 'react'; emoji: string; action: 'add' | 'remove' };

/** The row apply() reads: the change, its message, the message's channel and the customer there. */
interface ChangeRow {
  id: string;
  kind: PlatformChangeKind;
  state: PlatformChangeState;
  change_created_at: Date;
  message_id: string;
  conversation_id: string;
  content: string;
  attachments: Attachment[];
  status: MessageStatus;
  external_id: string | null;
  deleted_at: Date | null;
  message_created_at: Date;
  channel_id: string | null;
  channel_type: ChannelType | null;
  channel_external_id: string | null;
  channel_status: ChannelStatus | null;
  channel_deleted_at: Date | null;
  credentials_encrypted: string | null;
  webhook_secret: string | null;
  platform_user_id: string | null;
}

/** How long a change waits for its reply to be sent before it gives up on it. */
const REPLY_SEND_WAIT_MS = 30_000;

const HOUR = 3600_000;
const platformName = (type: string) => type.charAt(0).toUpperCase() + type.slice(1);
const VERB: Record<PlatformChangeKind, string> = { edit: 'edit', delete: 'delete', react: 'react to' };

/**
 * Agents' edits, deletes and reactions, carried to the customer's platform. Recorded in the
 * transaction of the change itself (pending, or unsupported when the platform cannot do it),
 * applied by the worker with the replies' guarantees (rate limits and 429, retries of temporary
 * failures, held while the channel needs reauthorization, a sweeper for lost jobs), each state
 * written with a `message.platform_change` event so agents see it live.
 */
@Injectable()
export class PlatformChangeService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly delivery: DeliveryService,
    private readonly events: EventService,
    private readonly queue: OutboundQueue,
    private readonly channelStatus: ChannelStatusService,
  ) {}

  /**
   * Records what the agent's change to `message` (locked by the caller) will do at the platform,
   * in the caller's transaction. Returns the job to queue after commit, or null when nothing goes
   * to the platform (a note, a reply that never reached it, or a platform that cannot do it).
   */
  async record(
    manager: EntityManager,
    message: Pick<
      Message,
      'id' | 'workspaceId' | 'conversationId' | 'channelId' | 'type' | 'status' | 'externalId'
    >,
    change: AgentChange,
  ): Promise<PlatformChangeJob | null> {
    const reachesCustomer =
      change.kind === 'react'
        ? message.type === 'customer' && !!message.externalId
        : message.type === 'support' && (!!message.externalId || message.status === 'sending');
    if (!reachesCustomer) return null;
    const [channel]: { type: ChannelType }[] = await manager.query(
      `SELECT type FROM channel WHERE id = $1 AND workspace_id = $2`,
      [message.channelId, message.workspaceId],
    );
    if (!channel) return null;
    const adapter = this.platforms.adapter(channel.type);
    const name = platformName(adapter.type);
    let unsupported = this.supports(adapter, change.kind)
      ? null
      : `${name} cannot ${VERB[change.kind]} ${change.kind === 'react' ? 'messages' : 'a message the business sent'}: the customer still sees it as it was`;
    if (!unsupported && change.kind === 'react' && !platformReaction(adapter.changes!, change.emoji)) {
      // Removing a reaction the platform never showed changes nothing there.
      if (change.action === 'remove') return null;
      unsupported = `${name} does not take the ${change.emoji} reaction from a business; it stays in Parley`;
    }
    const [row]: { id: string; updated_at: Date }[] = await manager.query(
      `INSERT INTO platform_change (workspace_id, message_id, kind, state, reason)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, updated_at`,
      [message.workspaceId, message.id, change.kind, unsupported ? 'unsupported' : 'pending', unsupported],
    );
    await this.events.append(manager, message.workspaceId, {
      type: 'message.platform_change',
      conversationId: message.conversationId,
      payload: {
        message_id: message.id,
        platform_change: toPlatformChangeView({
          kind: change.kind,
          state: unsupported ? 'unsupported' : 'pending',
          reason: unsupported,
          updated_at: row.updated_at,
        }),
      },
    });
    return unsupported ? null : { changeId: row.id, workspaceId: message.workspaceId };
  }

  /** Queues a recorded change's job; Redis being away is fine: the sweeper queues it later. */
  async enqueue(job: PlatformChangeJob | null): Promise<void> {
    if (job) await this.queue.enqueueChange(job);
  }

  private supports(adapter: PlatformAdapter, kind: PlatformChangeKind): boolean {
    const method = { edit: adapter.editText, delete: adapter.deleteMessage, react: adapter.react }[kind];
    return !!adapter.changes?.[kind] && typeof method === 'function';
  }

  /** One attempt to carry a pending change to the platform. Temporary failures throw, so the queue retries. */
  async apply(workspaceId: string, changeId: string, finalAttempt: boolean): Promise<ChangeOutcome> {
    const [row]: ChangeRow[] = await this.db.query(
      `SELECT p.id, p.kind, p.state, p.created_at AS change_created_at,
              m.id AS message_id, m.conversation_id, m.content, m.attachments, m.status, m.external_id,
              m.deleted_at, m.created_at AS message_created_at,
              ch.id AS channel_id, ch.type AS channel_type, ch.external_id AS channel_external_id,
              ch.status AS channel_status, ch.deleted_at AS channel_deleted_at, ch.credentials_encrypted,
              ch.webhook_secret, i.platform_user_id
         FROM platform_change p
         JOIN message m ON m.id = p.message_id AND m.workspace_id = p.workspace_id
         JOIN conversation c ON c.id = m.conversation_id AND c.workspace_id = m.workspace_id
         LEFT JOIN channel ch ON ch.id = m.channel_id AND ch.workspace_id = m.workspace_id
         LEFT JOIN contact_identity i
           ON i.workspace_id = m.workspace_id AND i.channel_id = ch.id AND i.contact_id = c.contact_id
        WHERE p.id = $1 AND p.workspace_id = $2`,
      [changeId, workspaceId],
    );
    if (!row) return { result: 'skipped', reason: 'no such change' };
    if (row.state !== 'pending') return { result: 'skipped', reason: `already ${row.state}` };
    if (!row.channel_id || row.channel_deleted_at)
      return this.settle(workspaceId, row, 'failed', 'the channel was removed');
    if (row.channel_status === 'reauthorization_required')
      return { result: 'held', reason: 'the channel needs reauthorization' };
    const channel = deliveryChannelOf(row, workspaceId);
    const adapter = this.platforms.adapter(channel.type);
    const name = platformName(adapter.type);

    if (!row.external_id) {
      // The reply is still on its way: the change follows once it has a platform id.
      const waited = Date.now() - new Date(row.change_created_at).getTime();
      if (row.status === 'sending' && waited < REPLY_SEND_WAIT_MS)
        return { result: 'wait', ms: 1000, reason: 'the reply is still being sent' };
      return row.kind === 'delete'
        ? this.settle(workspaceId, row, 'applied', 'the reply never reached the customer')
        : this.settle(workspaceId, row, 'failed', 'the reply never reached the customer');
    }
    if (row.kind === 'edit' && row.deleted_at)
      return this.settle(workspaceId, row, 'failed', 'the message was deleted');
    const within = adapter.changes?.deleteWithinHours;
    if (
      row.kind === 'delete' &&
      within &&
      Date.now() - new Date(row.message_created_at).getTime() > within * HOUR
    ) {
      return this.settle(
        workspaceId,
        row,
        'failed',
        `${name} lets a business delete a message only within ${within} hours of sending it; it stays in the customer's chat`,
      );
    }
    if (row.kind === 'react' && !row.platform_user_id)
      return this.settle(workspaceId, row, 'failed', 'the customer has no identity on this channel');

    const wait = await this.delivery.takeSendSlot(
      adapter,
      channel.id,
      row.platform_user_id ?? row.external_id,
    );
    if (wait > 0) return { result: 'wait', ms: wait, reason: 'send rate' };
    try {
      const access = this.channels.access(channel);
      const message = { externalId: row.external_id, hasMedia: row.attachments.length > 0 };
      if (row.kind === 'edit') await adapter.editText!(access, message, row.content);
      else if (row.kind === 'delete') await adapter.deleteMessage!(access, message);
      else
        await adapter.react!(
          access,
          row.platform_user_id!,
          row.external_id,
          await this.reactionNow(workspaceId, row.message_id, adapter),
        );
      return this.settle(workspaceId, row, 'applied', null);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      switch (error.code) {
        case 'rate_limited':
          return { result: 'wait', ms: (error.retryAfterSeconds ?? 1) * 1000, reason: error.reason };
        case 'temporary':
          if (finalAttempt) return this.settle(workspaceId, row, 'failed', error.reason);
          throw error;
        case 'reauthorization_required':
          await this.channelStatus.requireReauthorization(channel, error.reason);
          return { result: 'held', reason: error.reason };
        default:
          return this.settle(workspaceId, row, 'failed', error.reason);
      }
    }
  }

  /**
   * The reaction the business should show on the message now: the newest agent reaction the
   * platform takes, or none. Applying the whole state (not one add or remove) makes jobs that run
   * late or twice harmless.
   */
  private async reactionNow(
    workspaceId: string,
    messageId: string,
    adapter: PlatformAdapter,
  ): Promise<string | null> {
    const rows: { emoji: string }[] = await this.db.query(
      `SELECT emoji FROM message_reaction WHERE workspace_id = $1 AND message_id = $2 AND agent_id IS NOT NULL
        ORDER BY created_at DESC`,
      [workspaceId, messageId],
    );
    for (const { emoji } of rows) {
      const taken = platformReaction(adapter.changes!, emoji);
      if (taken) return taken;
    }
    return null;
  }

  /** Stores the change's outcome with its event, once: a change settled meanwhile is left as it is. */
  private async settle(
    workspaceId: string,
    row: Pick<ChangeRow, 'id' | 'kind' | 'message_id' | 'conversation_id'>,
    state: 'applied' | 'failed',
    reason: string | null,
  ): Promise<ChangeOutcome> {
    await this.db.transaction(async (manager) => {
      // An UPDATE through TypeORM's query() answers [rows, row count].
      const [[updated]]: [{ updated_at: Date }[], number] = await manager.query(
        `UPDATE platform_change SET state = $3, reason = $4, updated_at = now()
          WHERE id = $1 AND workspace_id = $2 AND state = 'pending' RETURNING updated_at`,
        [row.id, workspaceId, state, reason],
      );
      if (!updated) return;
      await this.events.append(manager, workspaceId, {
        type: 'message.platform_change',
        conversationId: row.conversation_id,
        payload: {
          message_id: row.message_id,
          platform_change: toPlatformChangeView({
            kind: row.kind,
            state,
            reason,
            updated_at: updated.updated_at,
          }),
        },
      });
    });
    return state === 'applied' ? { result: 'applied' } : { result: 'failed', reason: reason ?? '' };
  }

  /**
   * Changes still pending after `olderThanSeconds` on channels that are not held: their job was
   * lost (Redis down when recorded, a crash), or they wait for a reconnected channel. The sweeper
   * queues them again.
   */
  pendingChanges(olderThanSeconds: number, limit = 500): Promise<{ id: string; workspace_id: string }[]> {
    return this.db.query(
      `SELECT p.id, p.workspace_id FROM platform_change p
         JOIN message m ON m.id = p.message_id
         JOIN channel ch ON ch.id = m.channel_id
        WHERE p.state = 'pending' AND p.created_at < now() - make_interval(secs => $1)
          AND ch.status = 'active' AND ch.deleted_at IS NULL
        ORDER BY p.created_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }
}
