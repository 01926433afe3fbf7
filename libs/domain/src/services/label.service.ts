import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { LabelRef } from '@parley/contract/views';
import type { LabelView } from '@parley/contract/labels';
import { AppError, notFound } from '@parley/errors/app-error';
import { ConversationService } from './conversation.service';
import { EventService } from './event.service';
import { isUniqueViolation } from './postgres-errors';

interface LabelRow {
  id: string;
  name: string;
  color: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const toLabelView = (row: LabelRow): LabelView => ({
  id: row.id,
  name: row.name,
  color: row.color.toLowerCase(),
  description: row.description,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

const COLUMNS = 'id, name, color, description, created_at, updated_at';

/**
 * The workspace's labels and where they are put: a conversation's labels change in one transaction
 * with its `conversation.updated` event (changes `labels`), so every open inbox hears it.
 */
@Injectable()
export class LabelService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly conversations: ConversationService,
    private readonly events: EventService,
  ) {}

  async list(workspaceId: string): Promise<LabelView[]> {
    const rows: LabelRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM label WHERE workspace_id = $1 ORDER BY lower(name), id`,
      [workspaceId],
    );
    return rows.map(toLabelView);
  }

  async get(workspaceId: string, id: string): Promise<LabelView> {
    const [row]: LabelRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM label WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    if (!row) throw notFound('label');
    return toLabelView(row);
  }

  async create(
    workspaceId: string,
    input: { name: string; color: string; description?: string | null },
  ): Promise<LabelView> {
    return this.unique(async () => {
      const [row]: LabelRow[] = await this.db.query(
        `INSERT INTO label (workspace_id, name, color, description) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [workspaceId, input.name.trim(), input.color.toLowerCase(), input.description?.trim() || null],
      );
      return toLabelView(row);
    });
  }

  async update(
    workspaceId: string,
    id: string,
    input: { name?: string; color?: string; description?: string | null },
  ): Promise<LabelView> {
    return this.unique(() =>
      this.db.transaction(async (manager) => {
        const [rows]: [LabelRow[], number] = await manager.query(
          `UPDATE label SET name = coalesce($3, name), color = coalesce($4, color),
                description = CASE WHEN $5::boolean THEN $6 ELSE description END, updated_at = now()
          WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [
            workspaceId,
            id,
            input.name?.trim() ?? null,
            input.color?.toLowerCase() ?? null,
            input.description !== undefined,
            input.description?.trim() || null,
          ],
        );
        if (!rows[0]) throw notFound('label');
        const label = toLabelView(rows[0]);
        await this.events.append(manager, workspaceId, {
          type: 'label.updated',
          conversationId: null,
          payload: { label },
        });
        return label;
      }),
    );
  }

  /**
   * Deleting a label takes it off every conversation and contact (the join rows cascade with it),
   * and its `label.deleted` event tells every open inbox to drop its chips.
   */
  async remove(workspaceId: string, id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const [, count]: [unknown, number] = await manager.query(
        `DELETE FROM label WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, id],
      );
      if (!count) throw notFound('label');
      await this.events.append(manager, workspaceId, {
        type: 'label.deleted',
        conversationId: null,
        payload: { label_id: id },
      });
    });
  }

  /** Replaces the conversation's labels; an event only when the set changed. */
  async setOnConversation(workspaceId: string, actorId: string, conversationId: string, labelIds: string[]) {
    return this.db.transaction(async (manager) => {
      const ids = await this.known(manager, workspaceId, labelIds);
      await this.conversations.lockShared(manager, workspaceId, [conversationId]).then((rows) => {
        if (!rows.length) throw notFound('conversation');
      });
      const removed: [unknown, number] = await manager.query(
        `DELETE FROM conversation_label WHERE workspace_id = $1 AND conversation_id = $2 AND NOT (label_id = ANY($3::uuid[]))`,
        [workspaceId, conversationId, ids],
      );
      const added: unknown[] = await manager.query(
        `INSERT INTO conversation_label (workspace_id, conversation_id, label_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING RETURNING label_id`,
        [workspaceId, conversationId, ids],
      );
      if (removed[1] || added.length)
        await this.conversations.recordUpdate(manager, workspaceId, actorId, conversationId, ['labels']);
      return this.conversations.get(workspaceId, actorId, conversationId, manager);
    });
  }

  /**
   * Adds (or takes off) labels on conversations the caller has locked, in its transaction; answers
   * the conversations whose set changed (the caller records their events).
   */
  async applyToConversations(
    manager: EntityManager,
    workspaceId: string,
    conversationIds: string[],
    labelIds: string[],
    add: boolean,
  ): Promise<Set<string>> {
    const ids = await this.known(manager, workspaceId, labelIds);
    const rows: { conversation_id: string }[] = add
      ? await manager.query(
          `INSERT INTO conversation_label (workspace_id, conversation_id, label_id)
           SELECT $1, c, l FROM unnest($2::uuid[]) AS c, unnest($3::uuid[]) AS l
           ON CONFLICT DO NOTHING RETURNING conversation_id`,
          [workspaceId, conversationIds, ids],
        )
      : (
          await manager.query(
            `DELETE FROM conversation_label
              WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[]) AND label_id = ANY($3::uuid[])
              RETURNING conversation_id`,
            [workspaceId, conversationIds, ids],
          )
        )[0];
    return new Set(rows.map((r) => r.conversation_id));
  }

  /** Replaces a contact's labels. */
  async setOnContact(workspaceId: string, contactId: string, labelIds: string[]): Promise<LabelRef[]> {
    return this.db.transaction(async (manager) => {
      const ids = await this.known(manager, workspaceId, labelIds);
      const [contact]: unknown[] = await manager.query(
        `SELECT id FROM contact WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
        [workspaceId, contactId],
      );
      if (!contact) throw notFound('contact');
      await manager.query(
        `DELETE FROM contact_label WHERE workspace_id = $1 AND contact_id = $2 AND NOT (label_id = ANY($3::uuid[]))`,
        [workspaceId, contactId, ids],
      );
      await manager.query(
        `INSERT INTO contact_label (workspace_id, contact_id, label_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
        [workspaceId, contactId, ids],
      );
      return this.ofContact(workspaceId, contactId, manager);
    });
  }

  async ofContact(workspaceId: string, contactId: string, manager: EntityManager = this.db.manager) {
    const rows: LabelRef[] = await manager.query(
      `SELECT l.id, l.name, l.color FROM contact_label cl JOIN label l ON l.id = cl.label_id
        WHERE cl.workspace_id = $1 AND cl.contact_id = $2 ORDER BY lower(l.name)`,
      [workspaceId, contactId],
    );
    return rows;
  }

  /** The distinct ids, every one a label of the workspace; otherwise `label_unknown` naming the others. */
  private async known(manager: EntityManager, workspaceId: string, labelIds: string[]): Promise<string[]> {
    const ids = [...new Set(labelIds.map((id) => id.toLowerCase()))];
    if (!ids.length) return ids;
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM label WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    const found = new Set(rows.map((r) => r.id));
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length)
      throw new AppError('label_unknown', 404, { ids: unknown.join(', ') }, { label_ids: unknown });
    return ids;
  }

  private async unique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error, 'label_workspace_name_uq')) throw new AppError('label_name_taken', 409);
      throw error;
    }
  }
}
