import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource } from 'typeorm';
import type { ContactView, Page } from '@parley/contract/views';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Contact } from '@parley/database/entities/contact.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { toContactView } from '../presenters/contact.presenter';
import { EventService } from './event.service';

export interface ContactChanges {
  name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  avatar_url?: string | null;
}

/** E.164 or an invalid_phone error; accepts international formats with spaces, dashes and Persian/Arabic digits. */
export function toE164(phone: string): string {
  const western = phone
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  const parsed = parsePhoneNumberFromString(western.startsWith('00') ? `+${western.slice(2)}` : western);
  if (!parsed || !parsed.isValid()) throw new AppError('invalid_phone', 400);
  return parsed.number;
}

/** The same expression the trigram index is built on, so a search uses it. */
const SEARCH_TEXT = `(coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, ''))`;

@Injectable()
export class ContactService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
  ) {}

  /** Newest first; `q` matches name, username, phone or email. */
  async list(
    workspaceId: string,
    query: { q?: string; cursor?: string; limit?: number },
  ): Promise<Page<ContactView>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.db
      .getRepository(Contact)
      .createQueryBuilder('contact')
      .where('contact.workspace_id = :workspaceId', { workspaceId })
      .orderBy('contact.created_at', 'DESC')
      .addOrderBy('contact.id', 'DESC')
      .take(limit + 1);
    if (query.q) {
      qb.andWhere(`${SEARCH_TEXT.replace(/(name|username|phone|email)\b/g, 'contact.$1')} ILIKE :q`, {
        q: `%${query.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`,
      });
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

  async get(workspaceId: string, id: string): Promise<ContactView> {
    const contact = await this.db.getRepository(Contact).findOneBy({ id, workspaceId });
    if (!contact) throw notFound('contact');
    const identities = await this.db.getRepository(ContactIdentity).findBy({ contactId: id, workspaceId });
    return toContactView(contact, identities);
  }

  /** Edits a contact; a change that changes something is a `contact.updated` event (webhooks hear it). */
  async update(workspaceId: string, id: string, changes: ContactChanges): Promise<ContactView> {
    await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(Contact);
      const contact = await repo.findOne({ where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } });
      if (!contact) throw notFound('contact');
      const before = toContactView(contact);
      if (changes.name !== undefined) contact.name = changes.name?.trim() || null;
      if (changes.username !== undefined)
        contact.username = changes.username?.trim().replace(/^@/, '') || null;
      if (changes.email !== undefined) contact.email = changes.email?.trim().toLowerCase() || null;
      if (changes.avatar_url !== undefined) contact.avatarUrl = changes.avatar_url || null;
      if (changes.phone !== undefined) contact.phone = changes.phone ? toE164(changes.phone) : null;
      const after = toContactView(contact);
      const fields = ['name', 'username', 'phone', 'email', 'avatar_url'] as const;
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
}
