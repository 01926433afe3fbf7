import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ConversationView } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import type { DomainEvent } from '../events/domain-event';
import { toConversationView } from '../presenters/conversation.presenter';
import { MessageRow, toMessageView } from '../presenters/message.presenter';
import { SHARED_VIEW_SELECT } from './conversation.service';
import { EventService } from './event.service';
import { removeMediaFiles } from './media-files';
import { previewOf } from './message-preview';
import { MESSAGE_SELECT } from './message-query.service';

/** Messages erased per transaction: short transactions, a short hold on the workspace's seq lock. */
const BATCH = 200;

interface Expiring {
  id: string;
  conversation_id: string;
  seq: string;
  type: string;
  content: string;
  attachments: Attachment[];
}

/** What an erased attachment keeps: its kind and size, never its file, name, place or number. */
const expiredAttachment = (a: Attachment): Attachment => ({
  kind: a.kind,
  mime: a.mime,
  size: a.size,
  duration: a.duration,
  storage_key: null,
  error: 'expired',
});

/**
 * A channel's retention period (`channel.retention_days`): messages older than it lose their text
 * and media everywhere Parley wrote them — the row (kept as a marker with its seq, type, sender,
 * times and status), its stored files, the event payloads replayed to sockets (the message's own
 * and conversation previews that showed it), the conversation's preview, and the channel's raw
 * webhook deliveries still recorded from before the period. Each erased message gets a
 * `message.updated` event (and its conversation a `conversation.updated` when the preview changed),
 * so open dashboards show the marker at once.
 *
 * Run by the worker on a timer; several workers share the work safely: a channel's batch runs under
 * its advisory lock (another worker skips that channel meanwhile), and message rows are taken with
 * SKIP LOCKED (a message being edited or deleted right now waits for the next scan).
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
  ) {}

  /** One pass over every channel with a retention period; answers how many messages it erased. */
  async scan(now = new Date()): Promise<number> {
    const channels: { id: string; workspace_id: string; retention_days: number }[] = await this.db.query(
      // Deleted channels too: their conversations stay readable, so their retention still holds.
      `SELECT id, workspace_id, retention_days FROM channel WHERE retention_days IS NOT NULL ORDER BY id`,
    );
    let erased = 0;
    for (const channel of channels) {
      const cutoff = new Date(now.getTime() - channel.retention_days * 24 * 3600 * 1000);
      for (;;) {
        const batch = await this.eraseBatch(channel.workspace_id, channel.id, channel.retention_days, cutoff);
        if (batch === null) break; // another worker holds this channel
        erased += batch;
        if (batch < BATCH) break;
      }
    }
    if (erased) this.logger.log(`retention: erased ${erased} messages`);
    return erased;
  }

  /** One transaction: up to BATCH of the channel's messages from before `cutoff`; null when the channel is busy. */
  private async eraseBatch(
    workspaceId: string,
    channelId: string,
    days: number,
    cutoff: Date,
  ): Promise<number | null> {
    const files: string[] = [];
    const erased = await this.db.transaction(async (manager) => {
      const [{ locked }]: { locked: boolean }[] = await manager.query(
        `SELECT pg_try_advisory_xact_lock(hashtext('retention:' || $1::text)) AS locked`,
        [channelId],
      );
      if (!locked) return null;
      await manager.query(`DELETE FROM inbound_update WHERE channel_id = $1 AND received_at < $2`, [
        channelId,
        cutoff,
      ]);
      // A reply still `sending` keeps its text until it has gone (or failed).
      const rows: Expiring[] = await manager.query(
        `SELECT id, conversation_id, seq, type, content, attachments FROM message
          WHERE channel_id = $1 AND workspace_id = $2 AND created_at < $3
            AND expired_at IS NULL AND deleted_at IS NULL AND status <> 'sending'
          ORDER BY created_at LIMIT $4
          FOR NO KEY UPDATE SKIP LOCKED`,
        [channelId, workspaceId, cutoff, BATCH],
      );
      if (!rows.length) return 0;
      files.push(...(await this.erase(manager, workspaceId, days, rows)));
      return rows.length;
    });
    // After commit: a file goes only once nothing points at it any more.
    await removeMediaFiles(this.config.mediaDir, [...new Set(files)]);
    return erased;
  }

  /** Erases the locked rows in the caller's transaction; answers the storage keys of their files. */
  private async erase(
    manager: EntityManager,
    workspaceId: string,
    days: number,
    rows: Expiring[],
  ): Promise<string[]> {
    const ids = rows.map((r) => r.id);
    const at = new Date();
    const conversations = [...new Set(rows.map((r) => r.conversation_id))];
    const fromSeq = Math.min(...rows.map((r) => Number(r.seq)));

    // Every copy an event holds (the media job's update carries the storage key; an edit, new text).
    const copies: { id: string; content: string | null; attachments: Attachment[] | null }[] =
      await manager.query(
        `SELECT payload->'message'->>'id' AS id, payload->'message'->>'content' AS content,
                payload->'message'->'attachments' AS attachments
           FROM event
          WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[]) AND seq >= $3
            AND payload->'message'->>'id' = ANY($4::text[])`,
        [workspaceId, conversations, fromSeq, ids],
      );
    const shown = [...rows, ...copies];
    // A voice note's playable copy goes with its original.
    const keys = shown.flatMap((v) =>
      (v.attachments ?? []).flatMap((a) => [a.storage_key, a.playable_key].filter((k): k is string => !!k)),
    );
    // The previews conversations showed of these messages (notes never show), per conversation.
    const rowOf = new Map(rows.map((r) => [r.id, r]));
    const previews = new Map<string, Set<string>>();
    for (const v of shown) {
      const row = rowOf.get(v.id);
      if (!row || row.type === 'note') continue;
      const preview = previewOf(v.content ?? '', v.attachments ?? []);
      if (!preview) continue;
      previews.set(row.conversation_id, (previews.get(row.conversation_id) ?? new Set()).add(preview));
    }

    const scrubbed = rows.map((r) => JSON.stringify((r.attachments ?? []).map(expiredAttachment)));
    await manager.query(
      `UPDATE message m SET content = '', attachments = s.attachments, story = NULL, button = NULL, card = NULL, expired_at = $5, expired_after_days = $2
         FROM unnest($3::uuid[], $4::jsonb[]) AS s(id, attachments)
        WHERE m.id = s.id AND m.workspace_id = $1`,
      [workspaceId, days, ids, scrubbed, at],
    );

    // The conversations' previews: the newest message that still has its text, or nothing (as
    // previewOf() writes it). Locked in id order, as replies lock them, so the two cannot deadlock.
    await manager.query(
      `SELECT id FROM conversation WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [workspaceId, conversations],
    );
    const previewRows: { id: string; after: string }[] = await manager.query(
      `WITH next AS (
         SELECT c.id, c.last_message_preview AS before,
                coalesce((SELECT CASE WHEN btrim(m.content) <> '' THEN left(btrim(m.content), 140)
                                      WHEN jsonb_array_length(m.attachments) > 0
                                        THEN '[' || (m.attachments->0->>'kind') || ']' ELSE '' END
                            FROM message m
                           WHERE m.conversation_id = c.id AND m.workspace_id = c.workspace_id
                             AND m.deleted_at IS NULL AND m.expired_at IS NULL AND m.type <> 'note'
                           ORDER BY m.seq DESC LIMIT 1), '') AS after
           FROM conversation c WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])),
       changed AS (
         UPDATE conversation c SET last_message_preview = n.after
           FROM next n WHERE c.id = n.id AND c.last_message_preview IS DISTINCT FROM n.after
         RETURNING c.id)
       SELECT n.id, n.after FROM next n JOIN changed USING (id)`,
      [workspaceId, conversations],
    );

    // The events' copies: the message's own, and conversation views whose preview showed it.
    await manager.query(
      `UPDATE event e SET payload = jsonb_set(jsonb_set(jsonb_set(jsonb_set(e.payload #- '{message,button}', '{message,content}', '""'),
                                                       '{message,attachments}', s.attachments),
                                             '{message,expired}', s.expired),
                                   '{message,story}', 'null') #- '{message,card}'
         FROM unnest($3::text[], $4::jsonb[], $5::jsonb[]) AS s(id, attachments, expired)
        WHERE e.workspace_id = $1 AND e.conversation_id = ANY($2::uuid[]) AND e.seq >= $6
          AND e.payload->'message'->>'id' = s.id`,
      [
        workspaceId,
        conversations,
        ids,
        scrubbed,
        rows.map(() => JSON.stringify({ at: at.toISOString(), after_days: days })),
        fromSeq,
      ],
    );
    const pairs = [...previews].flatMap(([conversationId, set]) => [...set].map((p) => [conversationId, p]));
    if (pairs.length) {
      const newPreview = new Map(previewRows.map((r) => [r.id, r.after]));
      await manager.query(
        `UPDATE event e SET payload = jsonb_set(e.payload, '{conversation,last_message_preview}', to_jsonb(s.next))
           FROM unnest($2::uuid[], $3::text[], $4::text[]) AS s(conversation_id, shown, next)
          WHERE e.workspace_id = $1 AND e.conversation_id = s.conversation_id
            AND e.payload->'conversation'->>'last_message_preview' = s.shown`,
        [
          workspaceId,
          pairs.map(([c]) => c),
          pairs.map(([, p]) => p),
          pairs.map(([c]) => newPreview.get(c) ?? ''),
        ],
      );
    }

    // Open dashboards hear of it: each marker, and each conversation whose preview changed.
    const views: MessageRow[] = await manager.query(
      `${MESSAGE_SELECT} AND m.id = ANY($2::uuid[]) ORDER BY m.seq`,
      [workspaceId, ids],
    );
    const events: DomainEvent[] = views.map((row) => ({
      type: 'message.updated',
      conversationId: row.conversation_id,
      payload: { message: toMessageView(row) },
    }));
    if (previewRows.length) {
      const shared: Parameters<typeof toConversationView>[0][] = await manager.query(SHARED_VIEW_SELECT, [
        workspaceId,
        previewRows.map((r) => r.id),
      ]);
      for (const row of shared) {
        const conversation: ConversationView = toConversationView(row, false);
        events.push({
          type: 'conversation.updated',
          conversationId: row.id,
          payload: { conversation, changes: ['last_message'], actor_id: null },
        });
      }
    }
    // The seq lock, once and last.
    const last = await this.events.reserveSeqs(manager, workspaceId, events.length);
    await this.events.writeMany(
      manager,
      workspaceId,
      events.map((event, i) => ({ seq: last - events.length + 1 + i, event })),
    );
    return keys;
  }
}
