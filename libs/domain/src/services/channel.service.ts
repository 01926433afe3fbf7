import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Channel } from '@parley/database/entities/channel.entity';
import { notFound } from '@parley/errors/app-error';
import { ChannelView, toChannelView } from '../presenters/channel.presenter';
import { CredentialsCipher } from './credentials-cipher';

export type ChannelInput =
  | { type: 'telegram'; name: string; bot_token: string }
  | { type: 'instagram'; name: string; ig_user_id: string; access_token: string };

export interface ChannelChanges {
  name?: string;
  bot_token?: string;
  access_token?: string;
}

/** Telegram's `secret_token` allows 1-256 of A-Za-z0-9_-: base64url of 32 random bytes fits. */
export const newWebhookSecret = () => randomBytes(32).toString('base64url');

@Injectable()
export class ChannelService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectRepository(Channel) private readonly channels: Repository<Channel>,
    private readonly cipher: CredentialsCipher,
  ) {}

  async create(workspaceId: string, input: ChannelInput): Promise<ChannelView> {
    const channel = await this.channels.save(
      this.channels.create({
        workspaceId,
        type: input.type,
        name: input.name.trim(),
        credentialsEncrypted: this.cipher.encrypt(
          input.type === 'telegram' ? { bot_token: input.bot_token } : { access_token: input.access_token },
        ),
        webhookSecret: newWebhookSecret(),
        // A bot token starts with the bot's numeric id.
        externalId: input.type === 'telegram' ? input.bot_token.split(':')[0] : input.ig_user_id,
      }),
    );
    return this.present(channel);
  }

  async list(workspaceId: string): Promise<ChannelView[]> {
    const channels = await this.channels.find({
      where: { workspaceId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return channels.map((c) => this.present(c));
  }

  async get(workspaceId: string, id: string): Promise<ChannelView> {
    return this.present(await this.find(workspaceId, id));
  }

  async update(workspaceId: string, id: string, changes: ChannelChanges): Promise<ChannelView> {
    const channel = await this.find(workspaceId, id);
    if (changes.name !== undefined) channel.name = changes.name.trim();
    const token = channel.type === 'telegram' ? changes.bot_token : changes.access_token;
    if (token) {
      const key = channel.type === 'telegram' ? 'bot_token' : 'access_token';
      channel.credentialsEncrypted = this.cipher.encrypt({
        ...this.cipher.decrypt(channel.credentialsEncrypted),
        [key]: token,
      });
      if (channel.type === 'telegram') channel.externalId = token.split(':')[0];
      channel.status = 'active';
    }
    return this.present(await this.channels.save(channel));
  }

  /** Soft delete: the channel stops, its conversations stay readable. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const channel = await this.find(workspaceId, id);
    await this.channels.softRemove(channel);
  }

  private async find(workspaceId: string, id: string): Promise<Channel> {
    const channel = await this.channels.findOneBy({ id, workspaceId });
    if (!channel) throw notFound('channel');
    return channel;
  }

  private present(channel: Channel): ChannelView {
    return toChannelView(channel, this.config.publicUrl);
  }
}
