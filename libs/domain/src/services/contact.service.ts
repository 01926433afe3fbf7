import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource, EntityManager } from 'typeorm';
import type { ContactDetailView, ContactNoteView, MatchChannel } from '@parley/contract/contacts';
import type { ContactView, Page } from '@parley/contract/views';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Contact } from '@parley/database/entities/contact.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { SecurityEventService } from '@parley/security/security-event.service';
import { ContactAttributeService } from '../contacts/contact-attribute.service';
import { normalizePhone, westernDigits } from '../contacts/phone';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { toContactView } from '../presenters/contact.presenter';
import { EventService } from './event.service';
import { WorkspaceService } from './workspace.service';

export interface ContactChanges {
  name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  avatar_url?: string | null;
  attributes?: Record<string, unknown>;
}

export interface NewContact {
  name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  /** Create it even when another contact has the same phone or e-mail. */
  allow_duplicate?: boolean;
}

export interface ContactListQuery {
  q?: string;
  cursor?: string;
  limit?: number;
  /** Only contacts with an identity on a channel of this type. */
  channel_type?: string;
  has_phone?: boolean;
}

/** E.164 or an invalid_phone error; accepts international formats with spaces, dashes and Persian/Arabic digits. */
export function toE164(phone: string): string {
  const western = westernDigits(phone);
  const parsed = parsePhoneNumberFromString(western.startsWith('00') ? `+${western.slice(2)}` : western);
  if (!parsed || !parsed.isValid()) throw new AppError('invalid_phone', 400);
  return parsed.number;
}

/** The same expression the trigram index is built on, so a search uses it. */
const SEARCH_TEXT = `(coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, ''))`;

/** Contacts an agent sees: not erased, not merged into another. */
export const LIVE_CONTACT = (alias: string) =>
  `${alias}.erased_at IS NULL AND ${alias}.merged_into_id IS NULL`;

@Injectable()
export class ContactService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly workspaces: WorkspaceService,
    private readonly attributes: ContactAttributeService,
    private readonly securityEvents: SecurityEventService,
  ) {}

  /** Newest first; `q` matches name, username, phone (Persian digits too) or email. */
  async list(workspaceId: string, query: ContactListQuery): Promise<Page<ContactView>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.db
      .getRepository(Contact)
      .createQueryBuilder('contact')
      .where('contact.workspace_id = :workspaceId', { workspaceId })
      .andWhere(LIVE_CONTACT('contact'))
      .orderBy('contact.created_at', 'DESC')
      .addOrderBy('contact.id', 'DESC')
      .take(limit + 1);
    if (query.q) {
      qb.andWhere(`${SEARCH_TEXT.replace(/(name|username|phone|email)\b/g, 'contact.$1')} ILIKE :q`, {
        q: `%${westernDigits(query.q).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
      });
    }
    if (query.channel_type) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM contact_identity ci JOIN channel ch ON ch.id = ci.channel_id
                  WHERE ci.contact_id = contact.id AND ch.type = :channelType)`,
        { channelType: query.channel_type },
      );
    }
    if (query.has_phone !== undefined) {
      qb.andWhere(query.has_phone ? 'contact.phone IS NOT NULL' : 'contact.phone IS NULL');
    }
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor, ['string', 'string']);
      if (Number.isNaN(Date.parse(at as string))) throw new AppError('invalid_cursor', 400);
      qb.andWhere('(contact.created_at, contact.id) < (:at::timestamptz, :id::uuid)', { at, id });
    }
    let contacts: Contact[];
    try {
      contacts = await qb.getMany();
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('22')) throw new AppError('invalid_cursor', 400);
      throw error;
    }
    const page = contacts.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map((c) => toContactView(c)),
      next_cursor: contacts.length > limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  /** A contact with everything its page shows: identities and channels, conversations, notes, invitations. */
  async get(workspaceId: string, id: string): Promise<ContactDetailView> {
    const contact = await this.db.getRepository(Contact).findOneBy({ id, workspaceId });
    if (!contact) throw notFound('contact');
    const [identities, channels, conversations, notes, invitations] = await Promise.all([
      this.db.getRepository(ContactIdentity).findBy({ contactId: id, workspaceId }),
      this.channelsOf(this.db.manager, workspaceId, id),
      this.db.query(
        `SELECT id, channel_id, status, last_message_at FROM conversation
          WHERE workspace_id = $1 AND contact_id = $2 ORDER BY last_message_at DESC LIMIT 50`,
        [workspaceId, id],
      ) as Promise<{ id: string; channel_id: string; status: string; last_message_at: Date | null }[]>,
      this.notes(workspaceId, id),
      this.db.query(
        `SELECT i.id, i.contact_id, i.channel_id, ch.type AS channel_type, i.status, i.accepted_at, i.created_at,
                ch.type = 'telegram' AS binds
           FROM contact_invitation i JOIN channel ch ON ch.id = i.channel_id
          WHERE i.workspace_id = $1 AND i.contact_id = $2 ORDER BY i.created_at DESC LIMIT 20`,
        [workspaceId, id],
      ) as Promise<
        {
          id: string;
          contact_id: string;
          channel_id: string;
          channel_type: string;
          status: 'pending' | 'accepted';
          accepted_at: Date | null;
          created_at: Date;
          binds: boolean;
        }[]
      >,
    ]);
    return {
      ...toContactView(contact, identities),
      extra_phones: contact.extraPhones,
      attributes: contact.attributes,
      channels,
      conversations: conversations.map((c) => ({
        id: c.id,
        channel_id: c.channel_id,
        status: c.status,
        last_message_at: c.last_message_at ? c.last_message_at.toISOString() : null,
      })),
      notes,
      invitations: invitations.map((i) => ({
        ...i,
        accepted_at: i.accepted_at ? i.accepted_at.toISOString() : null,
        created_at: i.created_at.toISOString(),
      })),
    };
  }

  /**
   * An agent adds a person by hand. A phone (national numbers read in the workspace's region) or
   * e-mail another contact already has is refused with that contact as a suggestion
   * (`409 contact_duplicate`), unless `allow_duplicate` says the agent means it.
   */
  async create(workspaceId: string, input: NewContact): Promise<ContactDetailView> {
    const name = input.name?.trim() || null;
    const email = input.email?.trim().toLowerCase() || null;
    const username = input.username?.trim().replace(/^@/, '') || null;
    let phone: string | null = null;
    if (input.phone?.trim()) {
      phone = normalizePhone(input.phone, await this.workspaces.phoneRegion(workspaceId));
      if (!phone) throw new AppError('invalid_phone', 400);
    }
    if (!name && !phone && !email) throw new AppError('contact_empty', 400);
    if (!input.allow_duplicate) {
      const duplicates = await this.sameAs(workspaceId, { phones: phone ? [phone] : [], email });
      if (duplicates.length)
        throw new AppError(
          'contact_duplicate',
          409,
          {},
          { duplicates: duplicates.map((c) => toContactView(c)) },
        );
    }
    const id = await this.db.transaction(async (manager) => {
      const contact = await manager
        .getRepository(Contact)
        .save(manager.getRepository(Contact).create({ workspaceId, name, username, phone, email }));
      await this.events.append(manager, workspaceId, {
        type: 'contact.created',
        conversationId: null,
        payload: { contact: toContactView(contact, []) },
      });
      return contact.id;
    });
    return this.get(workspaceId, id);
  }

  /** Live contacts sharing one of these numbers (as phone or extra phone) or this e-mail. */
  async sameAs(
    workspaceId: string,
    key: { phones: string[]; email: string | null; exceptId?: string },
  ): Promise<Contact[]> {
    if (!key.phones.length && !key.email) return [];
    const qb = this.db
      .getRepository(Contact)
      .createQueryBuilder('c')
      .where('c.workspace_id = :workspaceId', { workspaceId })
      .andWhere(LIVE_CONTACT('c'))
      .andWhere(
        `(c.phone = ANY(:phones) OR c.extra_phones && :phones::text[] OR (:email::text IS NOT NULL AND lower(c.email) = :email))`,
        { phones: key.phones, email: key.email },
      )
      .orderBy('c.created_at')
      .take(10);
    if (key.exceptId) qb.andWhere('c.id <> :exceptId', { exceptId: key.exceptId });
    return qb.getMany();
  }

  /** Edits a contact; a change that changes something is a `contact.updated` event (webhooks hear it). */
  async update(workspaceId: string, id: string, changes: ContactChanges): Promise<ContactDetailView> {
    await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Contact);
      const contact = await repo.findOne({ where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!contact || contact.erasedAt) throw notFound('contact');
      const before = { ...toContactView(contact), attributes: JSON.stringify(contact.attributes) };
      if (changes.name !== undefined) contact.name = changes.name?.trim() || null;
      if (changes.username !== undefined)
        contact.username = changes.username?.trim().replace(/^@/, '') || null;
      if (changes.email !== undefined) contact.email = changes.email?.trim().toLowerCase() || null;
      if (changes.avatar_url !== undefined) contact.avatarUrl = changes.avatar_url || null;
      if (changes.phone !== undefined) {
        const region = changes.phone ? await this.workspaces.phoneRegion(workspaceId) : null;
        contact.phone = changes.phone
          ? (normalizePhone(changes.phone, region) ?? toE164(changes.phone))
          : null;
      }
      if (changes.attributes !== undefined)
        contact.attributes = await this.attributes.apply(
          manager,
          workspaceId,
          contact.attributes,
          changes.attributes,
        );
      const after = { ...toContactView(contact), attributes: JSON.stringify(contact.attributes) };
      const fields = ['name', 'username', 'phone', 'email', 'avatar_url', 'attributes'] as const;
      if (fields.every((field) => before[field] === after[field])) return;
      const saved = await repo.save(contact);
      const identities = await manager.getRepository(ContactIdentity).findBy({ contactId: id, workspaceId });
      await this.events.append(manager, workspaceId, {
        type: 'contact.updated',
        conversationId: null,
        payload: { contact: toContactView(saved, identities) },
      });
    });
    return this.get(workspaceId, id);
  }

  /**
   * Erases the person (GDPR): names, username, phones, e-mail, avatar, attributes, notes,
   * invitations, platform identities and what the website widget kept of them. The contact row
   * stays as an anonymous marker so its conversations (and their messages) still read as one
   * customer's; whoever writes in again from the same account is a new contact. Audited as a
   * `contact_erased` security event.
   */
  async erase(workspaceId: string, id: string, agentId: string | null): Promise<void> {
    await this.db.transaction(async (manager) => {
      const contact = await manager
        .getRepository(Contact)
        .findOne({ where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!contact || contact.erasedAt) throw notFound('contact');
      await manager.query(
        `UPDATE widget_visitor v SET name = NULL, email = NULL, phone = NULL
           FROM contact_identity i
          WHERE i.contact_id = $1 AND i.workspace_id = $2
            AND v.channel_id = i.channel_id AND v.platform_user_id = i.platform_user_id`,
        [id, workspaceId],
      );
      await manager.query(`DELETE FROM contact_identity WHERE contact_id = $1 AND workspace_id = $2`, [
        id,
        workspaceId,
      ]);
      await manager.query(`DELETE FROM contact_note WHERE contact_id = $1 AND workspace_id = $2`, [
        id,
        workspaceId,
      ]);
      await manager.query(`DELETE FROM contact_invitation WHERE contact_id = $1 AND workspace_id = $2`, [
        id,
        workspaceId,
      ]);
      Object.assign(contact, {
        name: null,
        username: null,
        phone: null,
        email: null,
        avatarUrl: null,
        extraPhones: [],
        attributes: {},
        erasedAt: new Date(),
      });
      const saved = await manager.getRepository(Contact).save(contact);
      await this.events.append(manager, workspaceId, {
        type: 'contact.updated',
        conversationId: null,
        payload: { contact: toContactView(saved, []) },
      });
    });
    await this.securityEvents.record({
      kind: 'contact_erased',
      workspaceId,
      agentId,
      detail: { contact_id: id },
    });
  }

  async notes(workspaceId: string, contactId: string): Promise<ContactNoteView[]> {
    const rows: { id: string; content: string; agent_id: string | null; created_at: Date }[] =
      await this.db.query(
        `SELECT id, content, agent_id, created_at FROM contact_note
        WHERE workspace_id = $1 AND contact_id = $2 ORDER BY created_at DESC, id LIMIT 200`,
        [workspaceId, contactId],
      );
    return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
  }

  async addNote(
    workspaceId: string,
    contactId: string,
    agentId: string,
    content: string,
  ): Promise<ContactNoteView> {
    await this.assertLive(workspaceId, contactId);
    const [row]: { id: string; content: string; agent_id: string | null; created_at: Date }[] =
      await this.db.query(
        `INSERT INTO contact_note (workspace_id, contact_id, agent_id, content) VALUES ($1, $2, $3, $4)
       RETURNING id, content, agent_id, created_at`,
        [workspaceId, contactId, agentId, content.trim()],
      );
    return { ...row, created_at: row.created_at.toISOString() };
  }

  async removeNote(workspaceId: string, contactId: string, noteId: string): Promise<void> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (DELETE FROM contact_note WHERE id = $1 AND contact_id = $2 AND workspace_id = $3 RETURNING id)
       SELECT id FROM gone`,
      [noteId, contactId, workspaceId],
    );
    if (!rows.length) throw notFound('note');
  }

  async assertLive(workspaceId: string, id: string): Promise<Contact> {
    const contact = await this.db.getRepository(Contact).findOneBy({ id, workspaceId });
    if (!contact || contact.erasedAt) throw notFound('contact');
    return contact;
  }

  /** The live channels the contact has an identity on. */
  async channelsOf(manager: EntityManager, workspaceId: string, contactId: string): Promise<MatchChannel[]> {
    return manager.query(
      `SELECT DISTINCT ch.id AS channel_id, ch.type, ch.name FROM contact_identity i
         JOIN channel ch ON ch.id = i.channel_id AND ch.deleted_at IS NULL
        WHERE i.workspace_id = $1 AND i.contact_id = $2 ORDER BY ch.type, ch.name`,
      [workspaceId, contactId],
    );
  }
}
