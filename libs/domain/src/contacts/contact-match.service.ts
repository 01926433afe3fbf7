import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MATCH_MAX_PHONES, type MatchChannel, type PhoneMatch } from '@parley/contract/contacts';
import { AppError } from '@parley/errors/app-error';
import { WorkspaceService } from '../services/workspace.service';
import { normalizePhone } from './phone';

/**
 * Which of a list of numbers (a phone's address book) are already the workspace's contacts, and on
 * which channels they can be reached. Read-only: a number that is not added is never stored.
 * Platform identities carry their phone on the contact (a Telegram customer who shared their own
 * contact card has it set by the inbound path), so one lookup on the contact's phones covers them.
 */
@Injectable()
export class ContactMatchService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly workspaces: WorkspaceService,
  ) {}

  async match(workspaceId: string, phones: string[]): Promise<PhoneMatch[]> {
    if (phones.length > MATCH_MAX_PHONES)
      throw new AppError('contact_match_too_many', 400, { max: MATCH_MAX_PHONES });
    const region = await this.workspaces.phoneRegion(workspaceId);
    const normalized = phones.map((input) => ({ input, e164: normalizePhone(input, region) }));
    const numbers = [...new Set(normalized.flatMap((n) => (n.e164 ? [n.e164] : [])))];
    const contactOf = new Map<string, string>();
    const channelsOf = new Map<string, MatchChannel[]>();
    if (numbers.length) {
      // The oldest contact with the number is the one an agent knows them as.
      const rows: { id: string; phones: string[] }[] = await this.db.query(
        `SELECT id, array_prepend(phone, extra_phones) AS phones FROM contact
          WHERE workspace_id = $1 AND erased_at IS NULL AND merged_into_id IS NULL
            AND (phone = ANY($2::text[]) OR extra_phones && $2::text[])
          ORDER BY created_at DESC`,
        [workspaceId, numbers],
      );
      for (const row of rows) for (const phone of row.phones) if (phone) contactOf.set(phone, row.id);
      const channels: (MatchChannel & { contact_id: string })[] = await this.db.query(
        `SELECT DISTINCT i.contact_id, ch.id AS channel_id, ch.type, ch.name FROM contact_identity i
           JOIN channel ch ON ch.id = i.channel_id AND ch.deleted_at IS NULL
          WHERE i.workspace_id = $1 AND i.contact_id = ANY($2::uuid[]) AND i.unreachable_at IS NULL
          ORDER BY ch.type, ch.name`,
        [workspaceId, rows.map((r) => r.id)],
      );
      for (const { contact_id, ...channel } of channels)
        channelsOf.set(contact_id, [...(channelsOf.get(contact_id) ?? []), channel]);
    }
    return normalized.map(({ input, e164 }) => {
      if (!e164) return { input, phone_e164: null, status: 'invalid', channels: [] };
      const contactId = contactOf.get(e164);
      if (!contactId) return { input, phone_e164: e164, status: 'new', channels: [] };
      return {
        input,
        phone_e164: e164,
        status: 'known',
        contact_id: contactId,
        channels: channelsOf.get(contactId) ?? [],
      };
    });
  }
}
