import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ConversationView, MessageStatus, MessageView } from '@parley/contract/views';
import { Conversation } from '@parley/database/entities/conversation.entity';
import { Message } from '@parley/database/entities/message.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { assertLength, cleanText } from '@parley/security/content';
import { RateLimitService } from '@parley/security/rate-limit.service';
import { SecurityEventService } from '@parley/security/security-event.service';
import { SpamService } from '@parley/security/spam.service';
import { toMessageView } from '../presenters/message.presenter';
import { ConversationService } from './conversation.service';
import { EventService } from './event.service';
import { MessageDeletionService } from './message-deletion.service';
import { previewOf } from './message-preview';
import { messageView } from './message-query.service';
import type { AuthAgent } from './token.service';
import { UploadInput, UploadService } from './upload.service';

export interface ReplyInput {
  content: string;
  type: 'support' | 'note';
  replyTo?: string | null;
  /** The sender's optimistic id, echoed on the `chat_message` frame. */
  clientId?: string | null;
  /** Files as they arrived; checked with the reply's other checks and stored only if it may go. */
  uploads?: UploadInput[];
}

const MENTION = /@([\p{L}\p{N}._-]+)/gu;
const mentionKeys = (agent: { email: string; name: string }) => [
  agent.email.split('@')[0].toLowerCase(),
  agent.name.replace(/\s+/g, '').toLowerCase(),
];

/**
 * Agents' commands on messages: reply (the one way out), edit, delete, react, retry. The read
 * model is MessageQueryService; customers' messages come in through InboundMessageService.
 */
@Injectable()
export class MessageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly conversations: ConversationService,
    private readonly outbound: OutboundQueue,
    private readonly rateLimits: RateLimitService,
    private readonly spam: SpamService,
    private readonly securityEvents: SecurityEventService,
    private readonly platforms: PlatformRegistry,
    private readonly deletion: MessageDeletionService,
    private readonly uploads: UploadService,
  ) {}

  /**
   * The one way out: an agent's reply or private note, from REST or a socket alike.
   * A support reply is stored `sending` and enqueued after commit; a note never leaves Parley.
   */
  async reply(
    workspaceId: string,
    agent: AuthAgent,
    conversationId: string,
    input: ReplyInput,
  ): Promise<MessageView> {
    const content = await this.recordingRefusal(workspaceId, agent, () => cleanText(input.content).trim());
    const uploads = input.uploads ?? [];
    if (!content && !uploads.length) throw new AppError('message_empty', 400);
    const checked = uploads.length ? await this.checkUploads(workspaceId, conversationId, uploads) : [];
    if (input.type === 'support') await this.checkOutbound(workspaceId, agent, conversationId, content);
    // One budget for every door (REST, socket, uploads): taken last, so a refused message costs nothing.
    await this.rateLimits.consumeMessage(workspaceId, agent.id);
    const status: MessageStatus = input.type === 'support' ? 'sending' : 'sent';

    // Files reach MEDIA_DIR only now that nothing above refused the reply, and leave it if it is not stored.
    const attachments = await this.uploads.store(workspaceId, checked);
    const storing = this.db.transaction(async (manager) => {
      // NO KEY UPDATE, not UPDATE: other transactions' foreign-key checks on this row (an event
      // written under the workspace's seq lock) must not wait for us while we wait for that lock.
      const conversation = await manager
        .getRepository(Conversation)
        .createQueryBuilder('c')
        .setLock('for_no_key_update')
        .where('c.id = :conversationId AND c.workspace_id = :workspaceId', { conversationId, workspaceId })
        .getOne();
      if (!conversation) throw notFound('conversation');
      if (input.replyTo) {
        const target = await manager.findOneBy(Message, { id: input.replyTo, workspaceId, conversationId });
        if (!target) throw notFound('message');
      }
      const mentions =
        input.type === 'note' ? await this.mentionedAgents(manager, workspaceId, agent.id, content) : [];
      let activated: ConversationView | null = null;
      if (input.type === 'support') {
        const becomesActive = conversation.status === 'open';
        await manager.update(
          Conversation,
          { id: conversationId },
          {
            lastMessageAt: new Date(),
            lastMessagePreview: previewOf(content, attachments),
            ...(becomesActive ? { status: 'support_active' as const } : {}),
          },
        );
        if (becomesActive)
          activated = await this.conversations.sharedView(workspaceId, conversationId, manager);
      }

      // From here to commit the workspace's seq lock is held: only the writes that need the seq.
      const seq = await this.events.nextSeq(manager, workspaceId);
      const [inserted]: { id: string; created_at: Date }[] = await manager.query(
        `INSERT INTO message (workspace_id, conversation_id, channel_id, seq, type, sender_agent_id, content,
                              attachments, status, reply_to_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
        [
          workspaceId,
          conversationId,
          conversation.channelId,
          seq,
          input.type,
          agent.id,
          content,
          JSON.stringify(attachments),
          status,
          input.replyTo ?? null,
        ],
      );
      const view = toMessageView({
        id: inserted.id,
        seq: String(seq),
        conversation_id: conversationId,
        type: input.type,
        content,
        attachments,
        status,
        failure_reason: null,
        external_id: null,
        sender_agent_id: agent.id,
        sender_contact_id: null,
        sender_name: agent.name,
        channel_type: null,
        reply_to_id: input.replyTo ?? null,
        spam_reason: null,
        reactions: [],
        edited_at: null,
        deleted_at: null,
        deleted_by_agent_id: null,
        created_at: inserted.created_at,
      });
      await this.events.write(manager, workspaceId, seq, {
        type: 'message.created',
        conversationId,
        payload: { message: view, client_id: input.clientId ?? null, mentions },
      });
      if (activated) {
        await this.events.append(manager, workspaceId, {
          type: 'conversation.updated',
          conversationId,
          payload: { conversation: activated, changes: ['status'], actor_id: agent.id },
        });
      }
      return view;
    });
    const message = await storing.catch(async (error: unknown) => {
      await this.uploads.discard(attachments);
      throw error;
    });

    if (input.type === 'support') await this.outbound.enqueue({ messageId: message.id, workspaceId });
    return message;
  }

  /** The files' own checks (size, sniffed type, the conversation's platform's voice format), on no disk. */
  private async checkUploads(workspaceId: string, conversationId: string, uploads: UploadInput[]) {
    const [row]: { type: ChannelType }[] = await this.db.query(
      `SELECT ch.type FROM conversation c JOIN channel ch ON ch.id = c.channel_id WHERE c.id = $1 AND c.workspace_id = $2`,
      [conversationId, workspaceId],
    );
    if (!row) throw notFound('conversation');
    return Promise.all(uploads.map((upload) => this.uploads.check(row.type, upload)));
  }

  /** Changes the text of one's own reply or note. */
  async edit(
    workspaceId: string,
    agent: AuthAgent,
    messageId: string,
    content: string,
  ): Promise<MessageView> {
    const text = cleanText(content).trim();
    if (!text) throw new AppError('message_empty', 400);
    return this.changeOwn(workspaceId, agent, messageId, async (manager, message) => {
      if (message.type === 'support')
        await this.checkOutbound(workspaceId, agent, message.conversationId, text);
      await manager.update(Message, { id: message.id, workspaceId }, { content: text, editedAt: new Date() });
      const view = await messageView(manager, workspaceId, message.id);
      await this.events.append(manager, workspaceId, {
        type: 'message.updated',
        conversationId: message.conversationId,
        payload: { message: view },
      });
      return view;
    });
  }

  /** Platform length and spam rules for what will reach a customer; spam is refused and recorded. */
  private async checkOutbound(
    workspaceId: string,
    agent: AuthAgent,
    conversationId: string,
    content: string,
  ) {
    const [row]: { type: ChannelType }[] = await this.db.query(
      `SELECT ch.type FROM conversation c JOIN channel ch ON ch.id = c.channel_id WHERE c.id = $1 AND c.workspace_id = $2`,
      [conversationId, workspaceId],
    );
    if (!row) throw notFound('conversation');
    await this.recordingRefusal(workspaceId, agent, () =>
      assertLength(content, this.platforms.adapter(row.type).maxTextLength, row.type),
    );
    const reason = await this.spam.reason(workspaceId, `agent:${agent.id}`, content, false);
    if (reason) {
      await this.securityEvents.record({
        kind: 'spam_outbound',
        workspaceId,
        agentId: agent.id,
        detail: { conversation_id: conversationId, reason },
      });
      throw new AppError('spam_detected', 422, { reason });
    }
  }

  /** Runs a content check; a refusal leaves a security_event before it reaches the agent. */
  private async recordingRefusal<T>(workspaceId: string, agent: AuthAgent, check: () => T): Promise<T> {
    try {
      return check();
    } catch (error) {
      if (error instanceof AppError) {
        await this.securityEvents.record({
          kind: 'content_rejected',
          workspaceId,
          agentId: agent.id,
          detail: { code: error.code, ...error.params },
        });
      }
      throw error;
    }
  }

  /**
   * Deletes one's own message: it keeps its place (who deleted it, and when), and what it said is
   * erased from the row, the event log and the conversation's preview (MessageDeletionService).
   */
  async remove(workspaceId: string, agent: AuthAgent, messageId: string): Promise<MessageView> {
    const { view, files } = await this.changeOwn(workspaceId, agent, messageId, async (manager, message) => {
      const files = await this.deletion.erase(manager, message, agent.id);
      return { view: await messageView(manager, workspaceId, message.id), files };
    });
    await this.deletion.removeFiles(files);
    return view;
  }

  /** Adds or removes an agent's reaction; doing the same twice changes nothing and writes no event. */
  async react(
    workspaceId: string,
    agent: AuthAgent,
    messageId: string,
    emoji: string,
    action: 'add' | 'remove',
  ): Promise<MessageView> {
    return this.db.transaction(async (manager) => {
      const message = await manager.findOneBy(Message, { id: messageId, workspaceId });
      if (!message || message.deletedAt) throw notFound('message');
      const changed =
        action === 'add'
          ? (
              (await manager.query(
                `INSERT INTO message_reaction (workspace_id, message_id, agent_id, emoji) VALUES ($1, $2, $3, $4)
               ON CONFLICT (message_id, agent_id, emoji) WHERE agent_id IS NOT NULL DO NOTHING RETURNING id`,
                [workspaceId, messageId, agent.id, emoji],
              )) as unknown[]
            ).length > 0
          : (
              (await manager.query(
                `WITH gone AS (DELETE FROM message_reaction WHERE workspace_id = $1 AND message_id = $2
                 AND agent_id = $3 AND emoji = $4 RETURNING id) SELECT id FROM gone`,
                [workspaceId, messageId, agent.id, emoji],
              )) as unknown[]
            ).length > 0;
      if (changed) {
        await this.events.append(manager, workspaceId, {
          type: 'message.reaction',
          conversationId: message.conversationId,
          payload: { message_id: messageId, emoji, action, sender: { kind: 'agent', id: agent.id } },
        });
      }
      return messageView(manager, workspaceId, messageId);
    });
  }

  /** An agent retries a failed reply: it goes back to `sending` and really goes out again. */
  async retry(workspaceId: string, agent: AuthAgent, messageId: string): Promise<MessageView> {
    const view = await this.db.transaction(async (manager) => {
      const message = await manager.findOneBy(Message, { id: messageId, workspaceId });
      if (!message || message.deletedAt) throw notFound('message');
      if (message.type !== 'support' || message.status !== 'failed')
        throw new AppError('message_not_retryable', 409);
      await manager.update(Message, { id: message.id }, { status: 'sending', failureReason: null });
      await this.events.append(manager, workspaceId, {
        type: 'message.status',
        conversationId: message.conversationId,
        payload: { message_id: message.id, status: 'sending', external_send_result: null },
      });
      return messageView(manager, workspaceId, message.id);
    });
    await this.outbound.requeue({ messageId, workspaceId });
    return view;
  }

  private async changeOwn<T>(
    workspaceId: string,
    agent: AuthAgent,
    messageId: string,
    change: (manager: EntityManager, message: Message) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async (manager) => {
      const message = await manager
        .getRepository(Message)
        .createQueryBuilder('m')
        .setLock('for_no_key_update')
        .where('m.id = :messageId AND m.workspace_id = :workspaceId', { messageId, workspaceId })
        .getOne();
      if (!message) throw notFound('message');
      if (message.senderAgentId !== agent.id) throw new AppError('not_message_author', 403);
      if (message.deletedAt) throw new AppError('message_not_editable', 409);
      return change(manager, message);
    });
  }

  /** Active agents of the workspace named in a note as @email-local-part or @NameWithoutSpaces. */
  private async mentionedAgents(
    manager: EntityManager,
    workspaceId: string,
    authorId: string,
    content: string,
  ): Promise<string[]> {
    const tokens = new Set([...content.matchAll(MENTION)].map((m) => m[1].toLowerCase()));
    if (!tokens.size) return [];
    const agents: { id: string; email: string; name: string }[] = await manager.query(
      `SELECT id, email, name FROM agent WHERE workspace_id = $1 AND deactivated_at IS NULL AND id <> $2`,
      [workspaceId, authorId],
    );
    return agents.filter((a) => mentionKeys(a).some((key) => tokens.has(key))).map((a) => a.id);
  }
}
