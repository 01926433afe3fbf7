import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ContactMergeView, MergeSuggestion } from '@parley/contract/contacts';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Contact } from '@parley/database/entities/contact.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { toContactView } from '../presenters/contact.presenter';
import { ContactService } from '../services/contact.service';
import { EventService } from '../services/event.service';

/** The kept contact's fields before a merge, restored by its undo. */
interface KeptBefore {
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  avatarUrl: string | null;
  extraPhones: string[];
  attributes: Record<string, string | number | null>;
}

interface MergeRow {
  id: string;
  kept_id: string;
  other_id: string;
  kept_before: KeptBefore;
  identity_ids: string[];
  conversation_ids: string[];
  note_ids: string[];
  label_ids: string[];
  created_at: Date;
  undone_at: Date | null;
}

const FIELDS = ['name', 'username', 'phone', 'email', 'avatarUrl'] as const;

/**
 * Merging two contacts that are one person: the other's identities and conversations move to the
 * kept one, which takes the other's fields where its own are empty (and its numbers as further
 * phones); the other is hidden (`merged_into_id`), not deleted, so an undo within
 * CONTACT_MERGE_UNDO_SECONDS moves back exactly what moved. A conversation the kept contact
 * already has on the same channel (two accounts of one person there) stays with the other.
 */
@Injectable()
export class ContactMergeService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly contacts: ContactService,
    private readonly events: EventService,
  ) {}

  /** Live contacts sharing the contact's phone numbers or e-mail. */
  async suggestions(workspaceId: string, id: string): Promise<MergeSuggestion[]> {
    const contact = await this.contacts.assertLive(workspaceId, id);
    if (contact.mergedIntoId) return [];
    const phones = [contact.phone, ...contact.extraPhones].filter((p): p is string => !!p);
    const email = contact.email?.toLowerCase() ?? null;
    const same = await this.contacts.sameAs(workspaceId, { phones, email, exceptId: id });
    return same.map((other) => ({
      contact: toContactView(other),
      reason: [other.phone, ...other.extraPhones].some((p) => p && phones.includes(p)) ? 'phone' : 'email',
    }));
  }

  async merge(
    workspaceId: string,
    keptId: string,
    otherId: string,
    agentId: string | null,
  ): Promise<ContactMergeView> {
    if (keptId === otherId) throw new AppError('merge_same_contact', 400);
    const row = await this.db.transaction(async (manager) => {
      const [kept, other] = await this.lockBoth(manager, workspaceId, keptId, otherId);
      const before: KeptBefore = {
        name: kept.name,
        username: kept.username,
        phone: kept.phone,
        email: kept.email,
        avatarUrl: kept.avatarUrl,
        extraPhones: kept.extraPhones,
        attributes: kept.attributes,
      };
      for (const field of FIELDS) if (!kept[field] && other[field]) kept[field] = other[field] as string;
      kept.extraPhones = [...new Set([...kept.extraPhones, other.phone, ...other.extraPhones])].filter(
        (p): p is string => !!p && p !== kept.phone,
      );
      kept.attributes = { ...other.attributes, ...kept.attributes };
      await manager.getRepository(Contact).save(kept);
      const identities: { id: string }[] = await manager.query(
        `WITH moved AS (UPDATE contact_identity SET contact_id = $1 WHERE contact_id = $2 AND workspace_id = $3 RETURNING id)
         SELECT id FROM moved`,
        [keptId, otherId, workspaceId],
      );
      const conversations: { id: string }[] = await manager.query(
        `WITH moved AS (
           UPDATE conversation SET contact_id = $1, updated_at = now()
            WHERE contact_id = $2 AND workspace_id = $3
              AND channel_id NOT IN (SELECT channel_id FROM conversation WHERE contact_id = $1)
           RETURNING id)
         SELECT id FROM moved`,
        [keptId, otherId, workspaceId],
      );
      await this.moveMessages(
        manager,
        workspaceId,
        conversations.map((c) => c.id),
        otherId,
        keptId,
      );
      // The other's notes and labels would otherwise vanish with it from every view.
      const notes: { id: string }[] = await manager.query(
        `WITH moved AS (UPDATE contact_note SET contact_id = $1 WHERE contact_id = $2 AND workspace_id = $3 RETURNING id)
         SELECT id FROM moved`,
        [keptId, otherId, workspaceId],
      );
      const labels: { label_id: string }[] = await manager.query(
        `INSERT INTO contact_label (workspace_id, contact_id, label_id)
         SELECT workspace_id, $1, label_id FROM contact_label WHERE contact_id = $2 AND workspace_id = $3
         ON CONFLICT DO NOTHING RETURNING label_id`,
        [keptId, otherId, workspaceId],
      );
      await manager.update(Contact, { id: otherId, workspaceId }, { mergedIntoId: keptId });
      await this.announce(manager, workspaceId, keptId);
      const [merge]: MergeRow[] = await manager.query(
        `INSERT INTO contact_merge (workspace_id, kept_id, other_id, kept_before, identity_ids, conversation_ids, agent_id,
                                    note_ids, label_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          workspaceId,
          keptId,
          otherId,
          JSON.stringify(before),
          identities.map((i) => i.id),
          conversations.map((c) => c.id),
          agentId,
          notes.map((n) => n.id),
          labels.map((l) => l.label_id),
        ],
      );
      return merge;
    });
    return this.toView(row);
  }

  /** Moves back what the merge moved and restores the kept contact's fields; refused once the window has passed. */
  async undo(workspaceId: string, mergeId: string): Promise<ContactMergeView> {
    const row = await this.db.transaction(async (manager) => {
      const [merge]: MergeRow[] = await manager.query(
        `SELECT * FROM contact_merge WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
        [mergeId, workspaceId],
      );
      if (!merge) throw notFound('merge');
      if (merge.undone_at || Date.now() > this.undoUntil(merge).getTime())
        throw new AppError('merge_undo_expired', 409);
      const [kept] = await this.lockBoth(manager, workspaceId, merge.kept_id, merge.other_id, true);
      Object.assign(kept, merge.kept_before);
      await manager.getRepository(Contact).save(kept);
      await manager.query(
        `UPDATE contact_identity SET contact_id = $1 WHERE id = ANY($2::uuid[]) AND contact_id = $3 AND workspace_id = $4`,
        [merge.other_id, merge.identity_ids, merge.kept_id, workspaceId],
      );
      await manager.query(
        `UPDATE conversation SET contact_id = $1, updated_at = now()
          WHERE id = ANY($2::uuid[]) AND contact_id = $3 AND workspace_id = $4`,
        [merge.other_id, merge.conversation_ids, merge.kept_id, workspaceId],
      );
      await this.moveMessages(manager, workspaceId, merge.conversation_ids, merge.kept_id, merge.other_id);
      await manager.query(
        `UPDATE contact_note SET contact_id = $1 WHERE id = ANY($2::uuid[]) AND contact_id = $3 AND workspace_id = $4`,
        [merge.other_id, merge.note_ids, merge.kept_id, workspaceId],
      );
      await manager.query(
        `DELETE FROM contact_label WHERE contact_id = $1 AND label_id = ANY($2::uuid[]) AND workspace_id = $3`,
        [merge.kept_id, merge.label_ids, workspaceId],
      );
      await manager.update(Contact, { id: merge.other_id, workspaceId }, { mergedIntoId: null });
      await this.announce(manager, workspaceId, merge.kept_id);
      await this.announce(manager, workspaceId, merge.other_id);
      // UPDATE … RETURNING inside a CTE: TypeORM answers a bare UPDATE with [rows, count].
      const [undone]: MergeRow[] = await manager.query(
        `WITH undone AS (UPDATE contact_merge SET undone_at = now() WHERE id = $1 RETURNING *) SELECT * FROM undone`,
        [mergeId],
      );
      return undone;
    });
    return this.toView(row);
  }

  /** Both rows locked in id order (two merges of the same pair cannot deadlock); live, or 404. */
  private async lockBoth(
    manager: EntityManager,
    workspaceId: string,
    keptId: string,
    otherId: string,
    undoing = false,
  ): Promise<[Contact, Contact]> {
    const rows = await manager
      .getRepository(Contact)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.workspace_id = :workspaceId AND c.id IN (:...ids)', { workspaceId, ids: [keptId, otherId] })
      .orderBy('c.id')
      .getMany();
    const kept = rows.find((r) => r.id === keptId);
    const other = rows.find((r) => r.id === otherId);
    if (!kept || kept.erasedAt || kept.mergedIntoId) throw notFound('contact');
    if (!other || other.erasedAt || (!undoing && other.mergedIntoId)) throw notFound('contact');
    return [kept, other];
  }

  private async moveMessages(
    manager: EntityManager,
    workspaceId: string,
    conversationIds: string[],
    from: string,
    to: string,
  ): Promise<void> {
    if (!conversationIds.length) return;
    await manager.query(
      `UPDATE message SET sender_contact_id = $1
        WHERE workspace_id = $2 AND conversation_id = ANY($3::uuid[]) AND sender_contact_id = $4`,
      [to, workspaceId, conversationIds, from],
    );
  }

  private async announce(manager: EntityManager, workspaceId: string, id: string): Promise<void> {
    const contact = await manager.getRepository(Contact).findOneByOrFail({ id, workspaceId });
    const identities = await manager.getRepository(ContactIdentity).findBy({ contactId: id, workspaceId });
    await this.events.append(manager, workspaceId, {
      type: 'contact.updated',
      conversationId: null,
      payload: { contact: toContactView(contact, identities) },
    });
  }

  private undoUntil(row: MergeRow): Date {
    return new Date(row.created_at.getTime() + this.config.contacts.mergeUndoSeconds * 1000);
  }

  private toView(row: MergeRow): ContactMergeView {
    return {
      id: row.id,
      kept_id: row.kept_id,
      other_id: row.other_id,
      moved_identities: row.identity_ids.length,
      moved_conversations: row.conversation_ids.length,
      undo_until: this.undoUntil(row).toISOString(),
      undone_at: row.undone_at ? row.undone_at.toISOString() : null,
      created_at: row.created_at.toISOString(),
    };
  }
}
