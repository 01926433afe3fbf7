import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { DataSource } from 'typeorm';
import type { InvitationView } from '@parley/contract/contacts';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { ChannelService } from '../services/channel.service';
import { ContactService } from '../services/contact.service';
import { hashInviteToken } from './invitation-binding';

/**
 * Invitations: a link per channel that brings a known person to the business there. The token is
 * stored hashed; where the platform brings it back in the customer's first message (Telegram's
 * `/start <token>`), the inbound path binds the new identity to the contact and marks the
 * invitation accepted (see `bindInvited`).
 */
@Injectable()
export class ContactInvitationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contacts: ContactService,
    private readonly channels: ChannelService,
    private readonly platforms: PlatformRegistry,
  ) {}

  async create(workspaceId: string, contactId: string, channelId: string): Promise<InvitationView> {
    await this.contacts.assertLive(workspaceId, contactId);
    const channel = await this.db.getRepository(Channel).findOneBy({ id: channelId, workspaceId });
    if (!channel) throw notFound('channel');
    const adapter = this.platforms.find(channel.type);
    if (!adapter?.inviteLink)
      throw new AppError('invitation_channel_unsupported', 400, {
        reason: 'the platform has no invitation link',
      });
    const token = randomBytes(24).toString('base64url');
    const pageUrl = channel.settings?.allowed_origins[0] ?? null;
    const link = adapter.inviteLink(this.channels.access(channel), token, pageUrl);
    if ('refused' in link)
      throw new AppError('invitation_channel_unsupported', 400, { reason: link.refused });
    const [row]: { id: string; status: 'pending'; created_at: Date }[] = await this.db.query(
      `INSERT INTO contact_invitation (workspace_id, contact_id, channel_id, token_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, status, created_at`,
      [workspaceId, contactId, channelId, hashInviteToken(token)],
    );
    return {
      id: row.id,
      contact_id: contactId,
      channel_id: channelId,
      channel_type: channel.type,
      url: link.url,
      qr_svg: await QRCode.toString(link.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
      status: row.status,
      binds: link.binds,
      accepted_at: null,
      created_at: row.created_at.toISOString(),
    };
  }
}
