import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Conversation } from '@parley/database/entities/conversation.entity';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { cleanInboundText } from '@parley/security/content';
import { SecurityEventService } from '@parley/security/security-event.service';
import { SpamService } from '@parley/security/spam.service';
import type { ChannelType } from '@parley/contract/channel-types';
import type {
  ContactView,
  ConversationView,
  MessageView,
  PressedButton,
  StoryRef,
} from '@parley/contract/views';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { Batcher } from '../batcher';
import { Clock } from '../clock';
import { CsatService } from '../reports/csat.service';
import { CsatCommentService } from '../reports/csat-comment.service';
import { bindInvited } from '../contacts/invitation-binding';
import type { DomainEvent } from '../events/domain-event';
import { toConversationView } from '../presenters/conversation.presenter';
import { toMessageView } from '../presenters/message.presenter';
import { SHARED_VIEW_SELECT } from './conversation.service';
import { EventService } from './event.service';
import { MessageDeletionService } from './message-deletion.service';
import { previewOf } from './message-preview';
import { messageView } from './message-query.service';
import { refreshEditedPreview } from './edited-preview';

/** A customer's message as a platform adapter hands it to the domain. */
export interface InboundMessage {
  workspaceId: string;
  channelId: string;
  platformUserId: string;
  profile: {
    name?: string | null;
    username?: string | null;
    phone?: string | null;
    avatarUrl?: string | null;
  };
  /** The platform's id of the message, unique per channel (Telegram: `<chat_id>:<message_id>`). */
  externalId: string;
  content: string;
  attachments?: Attachment[];
  /** The platform id of the message this one answers, if the customer replied to one. */
  replyToExternalId?: string | null;
  /** The story the message replies to or mentions us in. */
  story?: StoryRef | null;
  /** The listing the conversation is about (a Divar ad): set on the conversation when it has none. */
  ad?: { post_token: string } | null;
  /** A press of one of our payload buttons (`content` is its caption). */
  button?: PressedButton | null;
  /** The sender's optimistic id, echoed on `message.created` (the web widget's visitor). */
  clientId?: string | null;
  /**
   * An invitation's token the sender arrived with, where the platform hands it over beside the
   * message (the web widget's link); platforms that carry it in the text are read by their adapter.
   */
  inviteToken?: string | null;
}

export interface Received {
  message: MessageView;
  duplicate: boolean;
}

/** A message of the batch, cleaned and checked before its transaction. */
interface Prepared extends InboundMessage {
  content: string;
  attachments: Attachment[];
  spamReason: string | null;
  id: string;
  createdAt: Date;
}

/** A contact row as INSERT/UPDATE … RETURNING answers it. */
interface ContactRow {
  id: string;
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  avatar_url: string | null;
  created_at: Date;
  updated_at: Date;
}
const CONTACT_COLUMNS = 'id, name, username, phone, email, avatar_url, created_at, updated_at';

const contactRowView = (row: ContactRow, identities?: ContactView['identities']): ContactView => ({
  id: row.id,
  name: row.name,
  username: row.username,
  phone: row.phone,
  email: row.email,
  avatar_url: row.avatar_url,
  ...(identities ? { identities } : {}),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** The workspace's stored messages among these `(channel, external id)` pairs, by `<channel>:<external id>`. */
async function messageIdsByExternalId(
  manager: EntityManager,
  workspaceId: string,
  pairs: [channelId: string, externalId: string][],
): Promise<Map<string, string>> {
  const rows: { id: string; key: string }[] = await manager.query(
    `SELECT m.id, m.channel_id || ':' || m.external_id AS key FROM message m
       JOIN unnest($1::uuid[], $2::text[]) AS k(channel_id, external_id)
         ON m.channel_id = k.channel_id AND m.external_id = k.external_id
      WHERE m.workspace_id = $3`,
    [pairs.map(([channelId]) => channelId), pairs.map(([, externalId]) => externalId), workspaceId],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

/**
 * The one way in: customers' messages from every platform, and what they do to them later (edits,
 * unsends, reactions, reads). Messages of one workspace that arrive
 * while its previous batch is being stored are stored together, in arrival order, in one
 * transaction that takes the workspace's seq lock once — so a storm of webhooks costs a few
 * commits, not one contended commit each. Each caller's promise settles when its message is
 * durably stored (or refused), so a webhook is answered only then.
 */
@Injectable()
export class InboundMessageService {
  private readonly batcher = new Batcher<Prepared, Received>((workspaceId, items) =>
    this.store(workspaceId, items),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly spam: SpamService,
    private readonly securityEvents: SecurityEventService,
    private readonly deletion: MessageDeletionService,
    private readonly clock: Clock,
    private readonly csat: CsatService,
    private readonly platforms: PlatformRegistry,
    private readonly csatComments: CsatCommentService,
  ) {}

  /**
   * Stores a customer's message once per `(channel, external_id)`; upserts its contact, identity and
   * conversation (a resolved one reopens).
   */
  async receive(inbound: InboundMessage): Promise<Received> {
    // A press of a rating button is a rating, not a customer's new message: it reopens nothing.
    const rating = inbound.button ? await this.csat.recordPress(inbound) : null;
    if (rating) {
      // Redis away: the comment, if one comes, is an ordinary message (nothing is lost).
      if (!rating.duplicate)
        await this.csatComments
          .expectComment(inbound.channelId, inbound.platformUserId)
          .catch(() => undefined);
      return rating;
    }
    // The text a rating waits for is its comment: kept in the timeline, reopening nothing.
    const comment = await this.csatComments.fromMessage(inbound);
    if (comment) return comment;
    const content = cleanInboundText(inbound.content);
    const spamReason = content
      ? await this.spam.reason(
          inbound.workspaceId,
          `contact:${inbound.channelId}:${inbound.platformUserId}`,
          content,
          true,
        )
      : null;
    const received = await this.batcher.submit(inbound.workspaceId, {
      ...inbound,
      content,
      attachments: inbound.attachments ?? [],
      spamReason,
      id: randomUUID(),
      createdAt: this.clock.now(),
    });
    if (spamReason && !received.duplicate) {
      // Stored and flagged, never dropped: agents see it marked, admins see it counted.
      await this.securityEvents.record({
        kind: 'spam_inbound',
        workspaceId: inbound.workspaceId,
        detail: { message_id: received.message.id, channel_id: inbound.channelId, reason: spamReason },
      });
    }
    return received;
  }

  /** A customer edited a message on the platform. */
  async platformEdit(
    workspaceId: string,
    channelId: string,
    externalId: string,
    content: string,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const message = await manager.findOneBy(Message, {
        workspaceId,
        channelId,
        externalId,
        type: 'customer',
      });
      // Erased text never comes back through an edit.
      if (!message || message.deletedAt || message.expiredAt) return;
      await manager.update(Message, { id: message.id, workspaceId }, { content, editedAt: new Date() });
      await this.events.append(manager, workspaceId, {
        type: 'message.updated',
        conversationId: message.conversationId,
        payload: { message: await messageView(manager, workspaceId, message.id) },
      });
      await refreshEditedPreview(manager, this.events, workspaceId, message.conversationId, message.id, null);
    });
  }

  /** A customer unsent a message: erased as an agent's delete is, with the customer as who. */
  async platformUnsend(workspaceId: string, channelId: string, externalId: string): Promise<void> {
    const files = await this.db.transaction(async (manager) => {
      const message = await manager
        .getRepository(Message)
        .createQueryBuilder('m')
        .setLock('for_no_key_update')
        .where(
          `m.workspace_id = :workspaceId AND m.channel_id = :channelId AND m.external_id = :externalId AND m.type = 'customer'`,
          { workspaceId, channelId, externalId },
        )
        .getOne();
      if (!message || message.deletedAt) return [];
      return this.deletion.erase(manager, message, null);
    });
    await this.deletion.removeFiles(files);
  }

  /** A customer reacted to (or un-reacted) any message of the conversation. */
  async platformReaction(
    workspaceId: string,
    channelId: string,
    platformUserId: string,
    externalId: string,
    emoji: string,
    action: 'add' | 'remove',
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const message = await manager.findOneBy(Message, { workspaceId, channelId, externalId });
      const identity = await manager.findOneBy(ContactIdentity, { workspaceId, channelId, platformUserId });
      if (!message || !identity || message.deletedAt) return;
      const rows: unknown[] =
        action === 'add'
          ? await manager.query(
              `INSERT INTO message_reaction (workspace_id, message_id, contact_id, emoji) VALUES ($1, $2, $3, $4)
               ON CONFLICT (message_id, contact_id, emoji) WHERE contact_id IS NOT NULL DO NOTHING RETURNING id`,
              [workspaceId, message.id, identity.contactId, emoji],
            )
          : await manager.query(
              // Instagram's unreact names no emoji: it takes the customer's reaction back.
              `WITH gone AS (DELETE FROM message_reaction WHERE message_id = $1 AND contact_id = $2 RETURNING emoji)
               SELECT emoji FROM gone`,
              [message.id, identity.contactId],
            );
      for (const row of rows) {
        await this.events.append(manager, workspaceId, {
          type: 'message.reaction',
          conversationId: message.conversationId,
          payload: {
            message_id: message.id,
            emoji: action === 'add' ? emoji : (row as { emoji: string }).emoji,
            action,
            sender: { kind: 'contact', id: identity.contactId },
          },
        });
      }
    });
  }

  /** The customer has seen our replies up to `externalId`: they turn `read`. */
  async platformRead(
    workspaceId: string,
    channelId: string,
    platformUserId: string,
    externalId: string,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const identity = await manager.findOneBy(ContactIdentity, { workspaceId, channelId, platformUserId });
      if (!identity) return;
      const conversation = await manager.findOneBy(Conversation, {
        workspaceId,
        channelId,
        contactId: identity.contactId,
      });
      if (!conversation) return;
      const upTo = await manager.findOneBy(Message, { workspaceId, channelId, externalId });
      // UPDATE … RETURNING inside a CTE: TypeORM answers a bare UPDATE with [rows, count].
      const read: { id: string }[] = await manager.query(
        `WITH read AS (
           UPDATE message SET status = 'read'
            WHERE workspace_id = $1 AND conversation_id = $2 AND type = 'support'
              AND status IN ('sent', 'delivered') AND seq <= $3
           RETURNING id, seq)
         SELECT id FROM read ORDER BY seq`,
        [workspaceId, conversation.id, upTo?.seq ?? Number.MAX_SAFE_INTEGER],
      );
      for (const { id } of read) {
        await this.events.append(manager, workspaceId, {
          type: 'message.status',
          conversationId: conversation.id,
          payload: { message_id: id, status: 'read', external_send_result: null },
        });
      }
    });
  }

  /** One transaction for a batch of one workspace's messages, with set-based reads and writes. */
  private store(workspaceId: string, items: Prepared[]): Promise<Received[]> {
    return this.db.transaction(async (manager) => {
      // One platform user's messages never race another batch's over its contact or conversation
      // (taken in a fixed order, so two batches cannot deadlock).
      const users = [...new Set(items.map((i) => `${i.channelId}:${i.platformUserId}`))].sort();
      await manager.query(
        `SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k`,
        [users],
      );

      const results = new Array<Received | undefined>(items.length);
      const { fresh, copies } = await this.dropDuplicates(manager, workspaceId, items, results);
      if (!fresh.length) return results as Received[];

      const { contacts, ...contactChanges } = await this.upsertContacts(manager, workspaceId, fresh);
      const { conversationOf, created, reopened, botOf } = await this.upsertConversations(
        manager,
        workspaceId,
        fresh,
        contacts,
      );
      const replyTo = await this.replyTargets(manager, workspaceId, fresh);
      const channelTypes = await this.channelTypes(manager, workspaceId, fresh);

      // The seq lock, once, as late as possible: one seq per event, handed out in arrival order.
      const views = await this.sharedViews(manager, workspaceId, [...created, ...reopened]);
      const events: { seq?: number; event: DomainEvent }[] = [
        ...contactChanges.created.map((contact) => ({
          event: { type: 'contact.created' as const, conversationId: null, payload: { contact } },
        })),
        ...contactChanges.updated.map((contact) => ({
          event: { type: 'contact.updated' as const, conversationId: null, payload: { contact } },
        })),
      ];
      const rows: unknown[][] = [];
      const announced = new Set<string>();
      const messages: MessageView[] = [];
      for (const item of fresh) {
        const conversationId = conversationOf.get(contactKey(item))!;
        if (!announced.has(conversationId)) {
          announced.add(conversationId);
          // The snapshot shows the message that created (or reopened) it, as if stored one by one.
          const view = views.get(conversationId);
          if (view)
            views.set(conversationId, {
              ...view,
              last_message_preview: previewOf(item.content, item.attachments),
              last_message_at: item.createdAt.toISOString(),
              last_customer_message_at: item.createdAt.toISOString(),
            });
          if (created.includes(conversationId))
            events.push({
              event: {
                type: 'conversation.created',
                conversationId,
                payload: { conversation: views.get(conversationId)! },
              },
            });
          else if (reopened.includes(conversationId))
            events.push({
              event: {
                type: 'conversation.updated',
                conversationId,
                payload: { conversation: views.get(conversationId)!, changes: ['status'], actor_id: null },
              },
            });
        }
        const message = toMessageView({
          id: item.id,
          seq: '0',
          conversation_id: conversationId,
          type: 'customer',
          content: item.content,
          attachments: item.attachments,
          status: 'delivered',
          failure_reason: null,
          external_id: item.externalId,
          sender_agent_id: null,
          sender_contact_id: contacts.get(contactKey(item))!.id,
          sender_name: contacts.get(contactKey(item))!.name,
          channel_type: channelTypes.get(item.channelId)!,
          reply_to_id: item.replyToExternalId
            ? (replyTo.get(`${item.channelId}:${item.replyToExternalId}`) ?? null)
            : null,
          spam_reason: item.spamReason,
          story: item.story ?? null,
          button: item.button ?? null,
          reactions: [],
          edited_at: null,
          deleted_at: null,
          deleted_by_agent_id: null,
          created_at: item.createdAt,
        });
        messages.push(message);
        // Which bot handles the conversation, so a bot's webhook tells its own customers' messages apart.
        const botId = views.get(conversationId)?.bot?.id ?? botOf.get(conversationId) ?? null;
        events.push({
          event: {
            type: 'message.created',
            conversationId,
            payload: {
              message,
              bot: botId ? { id: botId } : null,
              ...(item.clientId ? { client_id: item.clientId } : {}),
            },
          },
        });
      }
      const last = await this.events.reserveSeqs(manager, workspaceId, events.length);
      events.forEach((entry, i) => (entry.seq = last - events.length + 1 + i));
      for (const entry of events) {
        if (entry.event.type === 'message.created') entry.event.payload.message.seq = entry.seq!;
      }
      for (const [i, item] of fresh.entries()) {
        const message = messages[i];
        rows.push([
          item.id,
          workspaceId,
          message.conversation_id,
          item.channelId,
          message.seq,
          message.sender!.id,
          item.content,
          JSON.stringify(item.attachments),
          item.externalId,
          message.reply_to,
          item.spamReason,
          item.createdAt,
          item.story ? JSON.stringify(item.story) : null,
          item.button ? JSON.stringify(item.button) : null,
        ]);
      }
      await manager.query(
        `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, status, sender_contact_id,
                              content, attachments, external_id, reply_to_id, spam_reason, created_at, story, button)
         SELECT r.id, r.workspace_id, r.conversation_id, r.channel_id, r.seq, 'customer', 'delivered',
                r.sender_contact_id, r.content, r.attachments, r.external_id, r.reply_to_id, r.spam_reason,
                r.created_at, r.story, r.button
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::uuid[], $7::text[],
                       $8::jsonb[], $9::text[], $10::uuid[], $11::text[], $12::timestamptz[], $13::jsonb[],
                       $14::jsonb[])
             AS r(id, workspace_id, conversation_id, channel_id, seq, sender_contact_id, content, attachments,
                  external_id, reply_to_id, spam_reason, created_at, story, button)`,
        columns(rows, 14),
      );
      await this.events.writeMany(
        manager,
        workspaceId,
        events.map((entry) => ({ seq: entry.seq!, event: entry.event })),
      );
      fresh.forEach((item, i) => (results[items.indexOf(item)] = { message: messages[i], duplicate: false }));
      for (const [index, first] of copies)
        results[index] = { message: messages[fresh.indexOf(first)], duplicate: true };
      return results as Received[];
    });
  }

  /**
   * Splits the batch: what is already stored (a platform delivering twice) answers the stored
   * message; a second copy within the batch will answer its first copy's; the rest is fresh.
   */
  private async dropDuplicates(
    manager: EntityManager,
    workspaceId: string,
    items: Prepared[],
    results: (Received | undefined)[],
  ): Promise<{ fresh: Prepared[]; copies: Map<number, Prepared> }> {
    const storedIds = await messageIdsByExternalId(
      manager,
      workspaceId,
      items.map((i) => [i.channelId, i.externalId]),
    );
    const firstOf = new Map<string, Prepared>();
    const fresh: Prepared[] = [];
    const copies = new Map<number, Prepared>();
    for (const [index, item] of items.entries()) {
      const key = `${item.channelId}:${item.externalId}`;
      const existing = storedIds.get(key);
      if (existing)
        results[index] = { message: await messageView(manager, workspaceId, existing), duplicate: true };
      else if (firstOf.has(key)) copies.set(index, firstOf.get(key)!);
      else {
        firstOf.set(key, item);
        fresh.push(item);
      }
    }
    return { fresh, copies };
  }

  /**
   * Each sender's contact (created with its identity when new; its profile kept current), by sender,
   * and the contacts the batch created or changed, as their events show them.
   */
  private async upsertContacts(
    manager: EntityManager,
    workspaceId: string,
    items: Prepared[],
  ): Promise<{
    contacts: Map<string, { id: string; name: string | null }>;
    created: ContactView[];
    updated: ContactView[];
  }> {
    // The newest profile of each sender in the batch wins, as it would message by message.
    const latest = new Map<string, Prepared>();
    for (const item of items) latest.set(contactKey(item), item);
    const senders = [...latest.values()];
    const known: { key: string; contact_id: string }[] = await manager.query(
      `SELECT i.channel_id || ':' || i.platform_user_id AS key, i.contact_id FROM contact_identity i
         JOIN unnest($1::uuid[], $2::text[]) AS k(channel_id, platform_user_id)
           ON i.channel_id = k.channel_id AND i.platform_user_id = k.platform_user_id`,
      [senders.map((s) => s.channelId), senders.map((s) => s.platformUserId)],
    );
    const contactOf = new Map(known.map((k) => [k.key, k.contact_id]));
    const arrivals = senders.filter((s) => !contactOf.has(contactKey(s)));
    // A newcomer whose first message carries an invitation's token is the invited contact.
    const boundTo = await bindInvited(manager, workspaceId, this.invitationTokens(items, arrivals));
    for (const sender of arrivals)
      contactOf.set(contactKey(sender), boundTo.get(contactKey(sender)) ?? randomUUID());
    const newcomers = arrivals.filter((s) => !boundTo.has(contactKey(s)));
    const field = (pick: (p: InboundMessage['profile']) => string | null | undefined) =>
      senders.map((s) => pick(s.profile) || null);
    let created: ContactView[] = [];
    if (newcomers.length) {
      const fieldOf = (pick: (p: InboundMessage['profile']) => string | null | undefined) =>
        newcomers.map((s) => pick(s.profile) || null);
      const inserted: ContactRow[] = await manager.query(
        `INSERT INTO contact (id, workspace_id, name, username, phone, avatar_url)
         SELECT id, $1, name, username, phone, avatar_url
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS n(id, name, username, phone, avatar_url)
         RETURNING ${CONTACT_COLUMNS}`,
        [
          workspaceId,
          newcomers.map((s) => contactOf.get(contactKey(s))),
          fieldOf((p) => p.name),
          fieldOf((p) => p.username),
          fieldOf((p) => p.phone),
          fieldOf((p) => p.avatarUrl),
        ],
      );
      const identityOf = new Map(newcomers.map((s) => [contactOf.get(contactKey(s))!, s]));
      created = inserted.map((row) => {
        const sender = identityOf.get(row.id)!;
        return contactRowView(row, [
          {
            channel_id: sender.channelId,
            platform_user_id: sender.platformUserId,
            unreachable: false,
            unreachable_reason: null,
          },
        ]);
      });
    }
    if (arrivals.length) {
      await manager.query(
        `INSERT INTO contact_identity (workspace_id, contact_id, channel_id, platform_user_id)
         SELECT $1, contact_id, channel_id, platform_user_id
           FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS n(contact_id, channel_id, platform_user_id)`,
        [
          workspaceId,
          arrivals.map((s) => contactOf.get(contactKey(s))),
          arrivals.map((s) => s.channelId),
          arrivals.map((s) => s.platformUserId),
        ],
      );
    }
    // Known senders: what the platform now says of them, only where it says something new.
    const rows: (ContactRow & { changed: boolean })[] = await manager.query(
      `WITH given AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
           AS g(id, name, username, phone, avatar_url)),
       changed AS (
         UPDATE contact c SET name = coalesce(g.name, c.name), username = coalesce(g.username, c.username),
                phone = coalesce(g.phone, c.phone), avatar_url = coalesce(g.avatar_url, c.avatar_url),
                updated_at = now()
           FROM given g
          WHERE c.id = g.id AND c.workspace_id = $1
            AND ((g.name IS NOT NULL AND g.name IS DISTINCT FROM c.name)
              OR (g.username IS NOT NULL AND g.username IS DISTINCT FROM c.username)
              OR (g.phone IS NOT NULL AND g.phone IS DISTINCT FROM c.phone)
              OR (g.avatar_url IS NOT NULL AND g.avatar_url IS DISTINCT FROM c.avatar_url))
         RETURNING ${CONTACT_COLUMNS.replace(/(^|, )/g, '$1c.')})
       SELECT c.id, coalesce(ch.name, c.name) AS name, ch.id IS NOT NULL AS changed, ch.username, ch.phone,
              ch.email, ch.avatar_url, ch.created_at, ch.updated_at
         FROM contact c JOIN given g ON g.id = c.id LEFT JOIN changed ch ON ch.id = c.id`,
      [
        workspaceId,
        senders.map((s) => contactOf.get(contactKey(s))),
        field((p) => p.name),
        field((p) => p.username),
        field((p) => p.phone),
        field((p) => p.avatarUrl),
      ],
    );
    const nameOf = new Map(rows.map((r) => [r.id, r.name]));
    const contacts = new Map(
      [...contactOf].map(([key, id]) => [
        key,
        { id, name: nameOf.get(id) ?? latest.get(key)?.profile.name ?? null },
      ]),
    );
    return { contacts, created, updated: rows.filter((r) => r.changed).map((r) => contactRowView(r)) };
  }

  /**
   * Each sender's conversation on its channel: created when new, otherwise moved to the top with
   * the batch's last preview for it, and reopened when it was resolved. A conversation created, or
   * reopened, on a channel with a bot (whose key is not revoked) is the bot's: it answers first, and
   * the agents' queue sees it only once it is handed off. Read in the same statements (a subquery
   * on the channel's row), so it costs the inbound path no round trip.
   */
  private async upsertConversations(
    manager: EntityManager,
    workspaceId: string,
    items: Prepared[],
    contacts: Map<string, { id: string; name: string | null }>,
  ) {
    const lastOf = new Map<string, Prepared>();
    for (const item of items) lastOf.set(contactKey(item), item);
    const senders = [...lastOf.values()];
    const existing: { id: string; key: string; status: string }[] = await manager.query(
      `SELECT c.id, c.channel_id || ':' || c.contact_id AS key, c.status FROM conversation c
         JOIN unnest($1::uuid[], $2::uuid[]) AS k(channel_id, contact_id)
           ON c.channel_id = k.channel_id AND c.contact_id = k.contact_id
        WHERE c.workspace_id = $3`,
      [senders.map((s) => s.channelId), senders.map((s) => contacts.get(contactKey(s))!.id), workspaceId],
    );
    const byContact = new Map(existing.map((e) => [e.key, e]));
    const conversationOf = new Map<string, string>();
    const created: string[] = [];
    const reopened: string[] = [];
    for (const sender of senders) {
      const found = byContact.get(`${sender.channelId}:${contacts.get(contactKey(sender))!.id}`);
      const id = found?.id ?? randomUUID();
      conversationOf.set(contactKey(sender), id);
      if (!found) created.push(id);
      else if (found.status === 'resolved') reopened.push(id);
    }
    const preview = senders.map((s) => previewOf(s.content, s.attachments));
    const at = senders.map((s) => s.createdAt);
    const ids = senders.map((s) => conversationOf.get(contactKey(s))!);
    if (created.length) {
      const fresh = senders.filter((s) => created.includes(conversationOf.get(contactKey(s))!));
      await manager.query(
        `INSERT INTO conversation (id, workspace_id, channel_id, contact_id, status, last_message_at,
                                   last_message_preview, last_customer_message_at, ad, bot_api_key_id, team_id)
         SELECT id, $1, channel_id, contact_id, 'open', at, preview, at, ad, ${CHANNEL_BOT('n.channel_id')},
                (SELECT tc.team_id FROM channel tc WHERE tc.id = n.channel_id)
           FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::jsonb[])
             AS n(id, channel_id, contact_id, at, preview, ad)`,
        [
          workspaceId,
          fresh.map((s) => conversationOf.get(contactKey(s))),
          fresh.map((s) => s.channelId),
          fresh.map((s) => contacts.get(contactKey(s))!.id),
          fresh.map((s) => s.createdAt),
          fresh.map((s) => previewOf(s.content, s.attachments)),
          fresh.map((s) => (s.ad ? JSON.stringify({ post_token: s.ad.post_token }) : null)),
        ],
      );
    }
    const moved: { id: string; bot_api_key_id: string | null }[] = await manager.query(
      `WITH moved AS (
       UPDATE conversation c
          SET last_message_at = g.at, last_customer_message_at = g.at, last_message_preview = g.preview,
              status = CASE WHEN c.status = 'resolved' THEN 'open' ELSE c.status END,
              bot_api_key_id = CASE WHEN c.status = 'resolved' THEN ${CHANNEL_BOT('c.channel_id')}
                                    ELSE c.bot_api_key_id END,
              handed_off_at = CASE WHEN c.status = 'resolved' THEN NULL ELSE c.handed_off_at END,
              ad = coalesce(c.ad, g.ad), updated_at = now()
         FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $6::jsonb[]) AS g(id, at, preview, ad)
        WHERE c.id = g.id AND c.workspace_id = $1 AND NOT (c.id = ANY($5::uuid[]))
       RETURNING c.id, c.bot_api_key_id)
       SELECT id, bot_api_key_id FROM moved`,
      [
        workspaceId,
        ids,
        at,
        preview,
        created,
        senders.map((s) => (s.ad ? JSON.stringify({ post_token: s.ad.post_token }) : null)),
      ],
    );
    const botOf = new Map(moved.map((m) => [m.id, m.bot_api_key_id]));
    return { conversationOf, created, reopened, botOf };
  }

  /**
   * The invitation token in each arriving sender's first message of the batch, read by the
   * platforms' adapters (no query: most messages carry none).
   */
  private invitationTokens(items: Prepared[], arrivals: Prepared[]) {
    const arriving = new Set(arrivals.map(contactKey));
    const readers = this.platforms
      .types()
      .map((type) => this.platforms.adapter(type))
      .flatMap((a) => (a.inviteToken ? [a.inviteToken.bind(a)] : []));
    const tokens = new Map<string, { key: string; channelId: string; token: string }>();
    for (const item of items) {
      const key = contactKey(item);
      if (!arriving.has(key) || tokens.has(key)) continue;
      arriving.delete(key);
      const token = item.inviteToken ?? readers.map((read) => read(item.content)).find(Boolean);
      if (token) tokens.set(key, { key, channelId: item.channelId, token });
    }
    return [...tokens.values()];
  }

  /** The messages the batch's messages quote, by `<channel>:<external id>` (earlier in the batch too). */
  private async replyTargets(
    manager: EntityManager,
    workspaceId: string,
    items: Prepared[],
  ): Promise<Map<string, string>> {
    const quoted = items.filter((i) => i.replyToExternalId);
    if (!quoted.length) return new Map();
    const ids = await messageIdsByExternalId(
      manager,
      workspaceId,
      quoted.map((i) => [i.channelId, i.replyToExternalId!]),
    );
    for (const item of items) ids.set(`${item.channelId}:${item.externalId}`, item.id);
    return ids;
  }

  /** The platform each of the batch's channels is (a customer message names where it came from). */
  private async channelTypes(
    manager: EntityManager,
    workspaceId: string,
    items: Prepared[],
  ): Promise<Map<string, ChannelType>> {
    const rows: { id: string; type: ChannelType }[] = await manager.query(
      'SELECT id, type FROM channel WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
      [workspaceId, [...new Set(items.map((i) => i.channelId))]],
    );
    return new Map(rows.map((r) => [r.id, r.type]));
  }

  /** Conversations as every agent sees them (no unread count), in one query. */
  private async sharedViews(
    manager: EntityManager,
    workspaceId: string,
    ids: string[],
  ): Promise<Map<string, ConversationView>> {
    if (!ids.length) return new Map();
    const rows = await manager.query(SHARED_VIEW_SELECT, [workspaceId, ids]);
    return new Map(
      rows.map((row: Parameters<typeof toConversationView>[0]) => [row.id, toConversationView(row, false)]),
    );
  }
}

/** The bot of a channel (SQL for a channel id column), if it has one whose key is not revoked. */
const CHANNEL_BOT = (channelId: string) =>
  `(SELECT k.id FROM channel bc JOIN api_key k ON k.id = bc.bot_api_key_id AND k.revoked_at IS NULL
     WHERE bc.id = ${channelId})`;

const contactKey = (item: { channelId: string; platformUserId: string }) =>
  `${item.channelId}:${item.platformUserId}`;

/** Rows → one array per column, for `unnest`. */
function columns(rows: unknown[][], count: number): unknown[][] {
  return Array.from({ length: count }, (_, c) => rows.map((row) => row[c]));
}
