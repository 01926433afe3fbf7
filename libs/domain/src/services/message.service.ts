import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { MessageCard } from '@parley/contract/app-actions';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ReplyButton, MessageView } from '@parley/contract/views';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { assertLength, cleanText } from '@parley/security/content';
import { RateLimitService } from '@parley/security/rate-limit.service';
import { SecurityEventService } from '@parley/security/security-event.service';
import { SpamService } from '@parley/security/spam.service';
import { Batcher } from '../batcher';
import { checkButtons, checkButtonsFor } from '../link-buttons';
import type { DomainEvent } from '../events/domain-event';
import { toConversationView } from '../presenters/conversation.presenter';
import { toMessageView } from '../presenters/message.presenter';
import { BotHandoffService } from './bot-handoff.service';
import { ConversationService } from './conversation.service';
import { EventService } from './event.service';
import { MessageDeletionService } from './message-deletion.service';
import { refreshEditedPreview } from './edited-preview';
import { previewOf } from './message-preview';
import { messageView } from './message-query.service';
import { PlatformChangeService } from './platform-change.service';
import { agentIdOf, type AuthAgent } from './token.service';
import { UploadInput, UploadService } from './upload.service';

export interface ReplyInput {
  content: string;
  type: 'support' | 'note';
  replyTo?: string | null;
  /** The sender's optimistic id, echoed on the `chat_message` frame. */
  clientId?: string | null;
  /** Files as they arrived; checked with the reply's other checks and stored only if it may go. */
  uploads?: UploadInput[];
  /** Rows of link buttons under a support reply, as the client sent them (checked here). */
  buttons?: unknown;
  /** An app's result card, already checked (a note only: AppCardService). */
  card?: MessageCard;
}

/** A reply that passed its checks, waiting for its workspace's next batch. */
interface PendingReply {
  id: string;
  agent: AuthAgent;
  conversationId: string;
  type: 'support' | 'note';
  content: string;
  attachments: Attachment[];
  replyTo: string | null;
  clientId: string | null;
  buttons: ReplyButton[][] | null;
  card: MessageCard | null;
  createdAt: Date;
}

/** What became of one reply of a batch: stored, or refused alone while the others were stored. */
type Stored = { message: MessageView; queued?: Promise<boolean> } | { refused: AppError };

/** Conversations whose platform one process remembers before it starts over (a few hundred kB). */
const PLATFORMS_REMEMBERED = 10_000;

const MENTION = /@([\p{L}\p{N}._-]+)/gu;
const mentionKeys = (agent: { email: string; name: string }) => [
  agent.email.split('@')[0].toLowerCase(),
  agent.name.replace(/\s+/g, '').toLowerCase(),
];

/**
 * Agents' commands on messages: reply (the one way out), edit, delete, react, retry. The read
 * model is MessageQueryService; customers' messages come in through InboundMessageService.
 * Replies of one workspace that arrive while its previous batch is being stored are stored
 * together (as inbound messages are): one transaction and one take of the workspace's seq lock
 * for the batch instead of one contended commit each.
 */
@Injectable()
export class MessageService {
  /** `<workspace>:<conversation>` → its platform (see platformOf). */
  private readonly platformOfConversation = new Map<string, ChannelType>();
  private readonly batcher = new Batcher<PendingReply, Stored>((workspaceId, items) =>
    this.store(workspaceId, items),
  );

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
    private readonly platformChanges: PlatformChangeService,
    private readonly handoff: BotHandoffService,
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
    const buttons = await this.checkReplyButtons(workspaceId, conversationId, input);
    if (input.type === 'support') await this.checkOutbound(workspaceId, agent, conversationId, content);
    // One budget for every door (REST, socket, uploads): taken last, so a refused message costs nothing.
    if (agent.app) await this.rateLimits.consumeAppMessage(workspaceId, agent.app.keyId);
    else await this.rateLimits.consumeMessage(workspaceId, agent.id);

    // Files reach MEDIA_DIR only now that nothing above refused the reply, and leave it if it is not stored.
    const attachments = await this.uploads.store(workspaceId, checked);
    const stored = await this.batcher
      .submit(workspaceId, {
        id: randomUUID(),
        agent,
        conversationId,
        type: input.type,
        content,
        attachments,
        replyTo: input.replyTo ?? null,
        clientId: input.clientId ?? null,
        buttons,
        card: input.type === 'note' ? (input.card ?? null) : null,
        createdAt: new Date(),
      })
      .catch((error: unknown) => ({ refused: error }));
    if ('refused' in stored) {
      await this.uploads.discard(attachments);
      throw stored.refused;
    }
    await stored.queued;
    return stored.message;
  }

  /**
   * Stores a batch of one workspace's replies in one transaction, then queues the support replies'
   * jobs in one round trip, which the replies wait for but the workspace's next batch does not.
   * A reply whose conversation or quoted message is not there is refused alone; the others are
   * stored. Nothing after the commit may throw: a thrown batch is retried.
   */
  private async store(workspaceId: string, items: PendingReply[]): Promise<Stored[]> {
    const results = await this.db.transaction((manager) =>
      this.storeInTransaction(manager, workspaceId, items),
    );
    const queued = this.outbound.enqueueMany(
      items
        .filter((item, i) => item.type === 'support' && 'message' in results[i])
        .map((item) => ({ messageId: item.id, workspaceId })),
    );
    return results.map((result) => ('message' in result ? { ...result, queued } : result));
  }

  private async storeInTransaction(
    manager: EntityManager,
    workspaceId: string,
    items: PendingReply[],
  ): Promise<Stored[]> {
    // A batch's transaction is a few round trips whatever its size (the lock, the writes, and only
    // when asked the quoted messages and the agents a note names): under load they, not the rows,
    // set how fast a workspace's replies are stored.
    const conversations = await this.conversations.lockShared(manager, workspaceId, [
      ...new Set(items.map((item) => item.conversationId)),
    ]);
    const conversationOf = new Map(conversations.map((c) => [c.id, c]));
    const quoted = items.filter((item) => item.replyTo).map((item) => item.replyTo);
    const targets: { id: string; conversation_id: string }[] = quoted.length
      ? await manager.query(
          `SELECT id, conversation_id FROM message WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
          [workspaceId, quoted],
        )
      : [];
    const conversationOfTarget = new Map(targets.map((t) => [t.id, t.conversation_id]));

    const refusals = items.map((item) => {
      if (!conversationOf.has(item.conversationId)) return notFound('conversation');
      if (item.replyTo && conversationOfTarget.get(item.replyTo) !== item.conversationId)
        return notFound('message');
      return null;
    });
    const accepted = items.filter((_, i) => !refusals[i]);
    const messages = new Map<PendingReply, MessageView>();
    const outcomes = () =>
      items.map((item, i): Stored => {
        const refused = refusals[i];
        return refused ? { refused } : { message: messages.get(item)! };
      });
    if (!accepted.length) return outcomes();

    // An agent's reply to a conversation a bot is handling takes it over (a note, or the bot's own reply, does not).
    for (const item of accepted) {
      const row = conversationOf.get(item.conversationId)!;
      if (item.type !== 'support' || item.agent.app || !row.bot_id) continue;
      conversationOf.set(
        row.id,
        await this.handoff.release(
          manager,
          workspaceId,
          row,
          { kind: 'takeover', agentName: item.agent.name },
          item.agent.id,
          false,
        ),
      );
    }
    const mentions = await this.mentionsOf(manager, workspaceId, accepted);
    // Taken with the conversations locked: whoever changed them before committed before now.
    const changedAt = new Date();
    // A support reply moves its conversation to the top with its preview; the first one activates an open one.
    const latest = new Map<string, PendingReply>();
    const activatedBy = new Map<string, PendingReply>();
    for (const item of accepted) {
      if (item.type !== 'support') continue;
      latest.set(item.conversationId, item);
      if (conversationOf.get(item.conversationId)!.status === 'open' && !activatedBy.has(item.conversationId))
        activatedBy.set(item.conversationId, item);
    }

    const events: { offset: number; event: DomainEvent }[] = [];
    const offsetOf = new Map<PendingReply, number>();
    for (const item of accepted) {
      const message = toMessageView({
        id: item.id,
        seq: '0',
        conversation_id: item.conversationId,
        type: item.type,
        content: item.content,
        attachments: item.attachments,
        status: item.type === 'support' ? 'sending' : 'sent',
        failure_reason: null,
        external_id: null,
        // An app's message is the app's (its key), never an agent's.
        sender_agent_id: agentIdOf(item.agent),
        sender_api_key_id: item.agent.app?.keyId ?? null,
        sender_contact_id: null,
        sender_name: item.agent.name,
        channel_type: null,
        reply_to_id: item.replyTo,
        buttons: item.buttons,
        card: item.card,
        spam_reason: null,
        reactions: [],
        edited_at: null,
        deleted_at: null,
        deleted_by_agent_id: null,
        created_at: item.createdAt,
      });
      messages.set(item, message);
      offsetOf.set(item, events.length);
      events.push({
        offset: events.length,
        event: {
          type: 'message.created',
          conversationId: item.conversationId,
          payload: { message, client_id: item.clientId, mentions: mentions.get(item) ?? [] },
        },
      });
      if (activatedBy.get(item.conversationId) === item) {
        const row = conversationOf.get(item.conversationId)!;
        events.push({
          offset: events.length,
          event: {
            type: 'conversation.updated',
            conversationId: item.conversationId,
            // As this reply left it, whatever later replies of the batch change.
            payload: {
              conversation: toConversationView(
                {
                  ...row,
                  status: 'support_active',
                  last_message_at: item.createdAt,
                  last_message_preview: previewOf(item.content, item.attachments),
                  updated_at: changedAt,
                },
                false,
              ),
              changes: ['status'],
              actor_id: item.agent.id,
            },
          },
        });
      }
    }

    // One statement: the conversations' new state, the workspace's seqs (its lock, held from here
    // to commit; one seq per event, in arrival order), the messages and their events. A message
    // has its event's seq, which the statement also writes into the event's copy of the message.
    const last = [...latest.values()];
    const rows = accepted.map((item) => ({ item, offset: offsetOf.get(item)! }));
    const [{ first }]: { first: string }[] = await manager.query(
      `WITH moved AS (
         UPDATE conversation c
            SET last_message_at = g.at, last_message_preview = g.preview, updated_at = $2,
                status = CASE WHEN c.status = 'open' THEN 'support_active' ELSE c.status END
           FROM unnest($3::uuid[], $4::timestamptz[], $5::text[]) AS g(id, at, preview)
          WHERE c.id = g.id AND c.workspace_id = $1
         RETURNING c.id),
       seqs AS (
         UPDATE workspace SET last_seq = last_seq + $6 WHERE id = $1 RETURNING last_seq - $6 + 1 AS first),
       messages AS (
         INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, sender_agent_id, content,
                              attachments, status, reply_to_id, created_at, buttons, sender_api_key_id, card)
         SELECT r.id, $1, r.conversation_id, r.channel_id, seqs.first + r.offset, r.type, r.sender_agent_id,
                r.content, r.attachments, r.status, r.reply_to_id, r.created_at, r.buttons, r.sender_api_key_id, r.card
           FROM seqs, unnest($7::uuid[], $8::uuid[], $9::uuid[], $10::int[], $11::text[], $12::uuid[], $13::text[],
                             $14::jsonb[], $15::text[], $16::uuid[], $17::timestamptz[], $22::jsonb[], $23::uuid[],
                             $24::jsonb[])
             AS r(id, conversation_id, channel_id, "offset", type, sender_agent_id, content, attachments, status,
                  reply_to_id, created_at, buttons, sender_api_key_id, card)
         RETURNING id),
       written AS (
         INSERT INTO event (workspace_id, conversation_id, seq, type, payload)
         SELECT $1, e.conversation_id, seqs.first + e.offset, e.type,
                CASE WHEN e.type = 'message.created'
                     THEN jsonb_set(e.payload, '{message,seq}', to_jsonb(seqs.first + e.offset))
                     ELSE e.payload END
           FROM seqs, unnest($18::uuid[], $19::int[], $20::text[], $21::jsonb[])
             AS e(conversation_id, "offset", type, payload)
         RETURNING seq)
       SELECT first FROM seqs`,
      [
        workspaceId,
        changedAt,
        last.map((item) => item.conversationId),
        last.map((item) => item.createdAt),
        last.map((item) => previewOf(item.content, item.attachments)),
        events.length,
        rows.map((r) => r.item.id),
        rows.map((r) => r.item.conversationId),
        rows.map((r) => conversationOf.get(r.item.conversationId)!.channel_id),
        rows.map((r) => r.offset),
        rows.map((r) => r.item.type),
        rows.map((r) => agentIdOf(r.item.agent)),
        rows.map((r) => r.item.content),
        rows.map((r) => JSON.stringify(r.item.attachments)),
        rows.map((r) => messages.get(r.item)!.status),
        rows.map((r) => r.item.replyTo),
        rows.map((r) => r.item.createdAt),
        events.map((e) => e.event.conversationId),
        events.map((e) => e.offset),
        events.map((e) => e.event.type),
        events.map((e) => JSON.stringify(e.event.payload)),
        rows.map((r) => (r.item.buttons ? JSON.stringify(r.item.buttons) : null)),
        rows.map((r) => r.item.agent.app?.keyId ?? null),
        rows.map((r) => (r.item.card ? JSON.stringify(r.item.card) : null)),
      ],
    );
    for (const { item, offset } of rows) messages.get(item)!.seq = Number(first) + offset;
    return outcomes();
  }

  /**
   * The platform a conversation is on, for the checks before a reply is stored. Remembered: a
   * conversation never moves to another channel, nor a channel to another platform. Whether the
   * conversation is still there is decided again when the reply is stored.
   */
  private async platformOf(workspaceId: string, conversationId: string): Promise<ChannelType> {
    const key = `${workspaceId}:${conversationId}`;
    const known = this.platformOfConversation.get(key);
    if (known) return known;
    const [row]: { type: ChannelType }[] = await this.db.query(
      `SELECT ch.type FROM conversation c JOIN channel ch ON ch.id = c.channel_id WHERE c.id = $1 AND c.workspace_id = $2`,
      [conversationId, workspaceId],
    );
    if (!row) throw notFound('conversation');
    if (this.platformOfConversation.size >= PLATFORMS_REMEMBERED) this.platformOfConversation.clear();
    this.platformOfConversation.set(key, row.type);
    return row.type;
  }

  /**
   * A reply's buttons: well formed (`buttons_invalid`), only on a support reply, and only where the
   * platform can show them (`buttons_unsupported`: Instagram has no link buttons; a payload too long
   * for the platform is `buttons_invalid`), refused before anything is stored.
   */
  private async checkReplyButtons(
    workspaceId: string,
    conversationId: string,
    input: ReplyInput,
  ): Promise<ReplyButton[][] | null> {
    const buttons = checkButtons(input.buttons);
    if (!buttons) return null;
    if (input.type !== 'support')
      throw new AppError('buttons_invalid', 400, {
        reason: 'a note never leaves Parley, so it has no buttons',
      });
    const type = await this.platformOf(workspaceId, conversationId);
    checkButtonsFor(buttons, type, this.platforms.adapter(type));
    return buttons;
  }

  /** The files' own checks (size, sniffed type, the conversation's platform's voice format), on no disk. */
  private async checkUploads(workspaceId: string, conversationId: string, uploads: UploadInput[]) {
    const type = await this.platformOf(workspaceId, conversationId);
    return Promise.all(uploads.map((upload) => this.uploads.check(type, upload)));
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
    const { view, job } = await this.changeOwn(workspaceId, agent, messageId, async (manager, message) => {
      if (message.type === 'support')
        await this.checkOutbound(workspaceId, agent, message.conversationId, text);
      await manager.update(Message, { id: message.id, workspaceId }, { content: text, editedAt: new Date() });
      // Recorded first, so the edited message's own event already says how it stands at the platform.
      const job = await this.platformChanges.record(manager, message, { kind: 'edit' });
      const view = await messageView(manager, workspaceId, message.id);
      await this.events.append(manager, workspaceId, {
        type: 'message.updated',
        conversationId: message.conversationId,
        payload: { message: view },
      });
      await refreshEditedPreview(
        manager,
        this.events,
        workspaceId,
        message.conversationId,
        message.id,
        agentIdOf(agent),
      );
      return { view, job };
    });
    await this.platformChanges.enqueue(job);
    return view;
  }

  /** Platform length and spam rules for what will reach a customer; spam is refused and recorded. */
  private async checkOutbound(
    workspaceId: string,
    agent: AuthAgent,
    conversationId: string,
    content: string,
  ) {
    const type = await this.platformOf(workspaceId, conversationId);
    await this.recordingRefusal(workspaceId, agent, () =>
      assertLength(content, this.platforms.adapter(type).maxTextLength, type),
    );
    const sender = agent.app ? `app:${agent.app.keyId}` : `agent:${agent.id}`;
    const reason = await this.spam.reason(workspaceId, sender, content, false);
    if (reason) {
      await this.securityEvents.record({
        kind: 'spam_outbound',
        workspaceId,
        agentId: agentIdOf(agent),
        detail: {
          conversation_id: conversationId,
          reason,
          ...(agent.app ? { api_key_id: agent.app.keyId } : {}),
        },
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
          agentId: agentIdOf(agent),
          detail: {
            code: error.code,
            ...error.params,
            ...(agent.app ? { api_key_id: agent.app.keyId } : {}),
          },
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
    const { view, files, job } = await this.changeOwn(
      workspaceId,
      agent,
      messageId,
      async (manager, message) => {
        const files = await this.deletion.erase(manager, message, agent.id);
        const job = await this.platformChanges.record(manager, message, { kind: 'delete' });
        return { view: await messageView(manager, workspaceId, message.id), files, job };
      },
    );
    await this.deletion.removeFiles(files);
    await this.platformChanges.enqueue(job);
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
    const { view, job } = await this.db.transaction(async (manager) => {
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
      const job = changed
        ? await this.platformChanges.record(manager, message, { kind: 'react', emoji, action })
        : null;
      return { view: await messageView(manager, workspaceId, messageId), job };
    });
    await this.platformChanges.enqueue(job);
    return view;
  }

  /** An agent retries a failed reply: it goes back to `sending` and really goes out again. */
  async retry(workspaceId: string, agent: AuthAgent, messageId: string): Promise<MessageView> {
    const view = await this.db.transaction(async (manager) => {
      const message = await manager.findOneBy(Message, { id: messageId, workspaceId });
      if (!message || message.deletedAt) throw notFound('message');
      if (message.type !== 'support' || message.status !== 'failed' || message.expiredAt)
        throw new AppError('message_not_retryable', 409);
      await manager.update(
        Message,
        { id: message.id },
        { status: 'sending', failureReason: null, failureCode: null },
      );
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
      if (message.deletedAt || message.expiredAt) throw new AppError('message_not_editable', 409);
      return change(manager, message);
    });
  }

  /**
   * Active agents of the workspace named in each note as @email-local-part or @NameWithoutSpaces
   * (never its author); the agents are read once for the batch, and only if a note names someone.
   */
  private async mentionsOf(
    manager: EntityManager,
    workspaceId: string,
    items: PendingReply[],
  ): Promise<Map<PendingReply, string[]>> {
    const tokensOf = new Map<PendingReply, Set<string>>();
    for (const item of items) {
      if (item.type !== 'note') continue;
      const tokens = new Set([...item.content.matchAll(MENTION)].map((m) => m[1].toLowerCase()));
      if (tokens.size) tokensOf.set(item, tokens);
    }
    if (!tokensOf.size) return new Map();
    const agents: { id: string; email: string; name: string }[] = await manager.query(
      `SELECT id, email, name FROM agent WHERE workspace_id = $1 AND deactivated_at IS NULL`,
      [workspaceId],
    );
    return new Map(
      [...tokensOf].map(([item, tokens]) => [
        item,
        agents
          .filter((a) => a.id !== item.agent.id && mentionKeys(a).some((key) => tokens.has(key)))
          .map((a) => a.id),
      ]),
    );
  }
}
