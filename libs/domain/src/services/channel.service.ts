import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull, Not } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ChannelView } from '@parley/contract/views';
import type { WebChannelCreated, WebChannelSettings } from '@parley/contract/widget';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { ChannelAccess, ConnectInput } from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { webhookPath } from '@parley/platforms/webhook';
import { toChannelView } from '../presenters/channel.presenter';
import { CredentialsCipher } from './credentials-cipher';
import { newIdentitySecret, webSettings } from '../widget/web-settings';

/** A website channel's widget settings as an admin sends them (checked by webSettings). */
export type WebSettingsInput = Partial<Record<keyof WebChannelSettings, unknown>>;

export type ChannelInput = { type: ChannelType; name: string } & ConnectInput & WebSettingsInput;

export interface ChannelChanges extends WebSettingsInput {
  name?: string;
  /** Days a message keeps its text and media; null keeps them. */
  retention_days?: unknown;
  bot_token?: string;
  access_token?: string;
  /** The team its new conversations go to; null for none. */
  team_id?: string | null;
}

/** Telegram's `secret_token` allows 1-256 of A-Za-z0-9_-: base64url of 32 random bytes fits. */
export const newWebhookSecret = () => randomBytes(32).toString('base64url');

/** A retention period as an admin may set it: whole days, 1 to 10 years, or null to keep messages. */
function retentionDays(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 3650)
    throw new AppError('retention_days_invalid', 400);
  return value;
}

const WEB_SETTING_KEYS = ['allowed_origins', 'color', 'greeting', 'languages', 'pre_chat'] as const;

/** The widget settings among a request's fields (those it sent). */
function pickWebSettings(input: WebSettingsInput): WebSettingsInput {
  const picked: WebSettingsInput = {};
  for (const key of WEB_SETTING_KEYS) if (input[key] !== undefined) picked[key] = input[key];
  return picked;
}

/** A platform's refusal while connecting, as the admin should read it. */
function connectError(error: unknown): AppError {
  if (!(error instanceof PlatformError)) throw error;
  if (error.code === 'temporary' || error.code === 'rate_limited')
    return new AppError('platform_unavailable', 502);
  return new AppError('channel_credentials_invalid', 422, { reason: error.reason });
}

@Injectable()
export class ChannelService {
  private readonly logger = new Logger(ChannelService.name);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly cipher: CredentialsCipher,
    private readonly platforms: PlatformRegistry,
  ) {}

  /** Checks the credentials with the platform, stores them encrypted and registers the webhook. */
  async create(
    workspaceId: string,
    input: ChannelInput,
  ): Promise<ChannelView | (ChannelView & WebChannelCreated)> {
    const adapter = this.platforms.find(input.type);
    if (!adapter) {
      throw new AppError('validation_failed', 400, {
        problems: `type must be one of the following values: ${this.platforms.types().join(', ')}`,
      });
    }
    // A website channel: its widget settings, and the identity secret its site signs users with (shown once).
    const web = input.type === 'web' ? webSettings(pickWebSettings(input)) : null;
    if (web) input = { ...input, identity_secret: newIdentitySecret() };
    const connected = await adapter.connect(input).catch((error) => Promise.reject(connectError(error)));
    await this.assertNotConnectedElsewhere(input.type, connected.externalId);
    // The id is chosen first: the credentials' ciphertext is bound to it.
    const id = randomUUID();
    const channel = await this.db.transaction(async (manager) => {
      const channel = await manager.save(
        manager.create(Channel, {
          id,
          workspaceId,
          type: input.type,
          name: input.name.trim(),
          credentialsEncrypted: this.cipher.encrypt(connected.credentials, id),
          webhookSecret: newWebhookSecret(),
          externalId: connected.externalId,
          retentionDays: adapter.defaultRetentionDays ?? null,
          // A channel its owner grants by OAuth (Divar) sends nothing until the grant: held until then.
          status: adapter.oauth ? 'reauthorization_required' : 'active',
          settings: web,
        }),
      );
      // Registered inside the transaction: a refused webhook leaves no half-connected channel.
      await adapter
        .registerWebhook(this.access(channel), this.webhookUrl(channel))
        .catch((error) => Promise.reject(connectError(error)));
      return channel;
    });
    if (web) return { ...this.present(channel), identity_secret: connected.credentials.identity_secret };
    return this.present(channel);
  }

  /** A website channel's new identity secret, shown this once; signatures under the old one stop verifying. */
  async rotateIdentitySecret(workspaceId: string, id: string): Promise<WebChannelCreated> {
    const channel = await this.find(workspaceId, id);
    if (channel.type !== 'web') throw notFound('channel');
    const identitySecret = newIdentitySecret();
    const current = this.cipher.decrypt(channel.credentialsEncrypted, channel.id);
    await this.db
      .getRepository(Channel)
      .update(
        { id: channel.id, workspaceId },
        {
          credentialsEncrypted: this.cipher.encrypt(
            { ...current, identity_secret: identitySecret },
            channel.id,
          ),
        },
      );
    return { identity_secret: identitySecret };
  }

  async list(workspaceId: string): Promise<ChannelView[]> {
    const channels = await this.db
      .getRepository(Channel)
      .find({ where: { workspaceId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return channels.map((c) => this.present(c));
  }

  async get(workspaceId: string, id: string): Promise<ChannelView> {
    return this.present(await this.find(workspaceId, id));
  }

  /** Renames, or reconnects with a new token (which also ends a "reauthorization required" hold). */
  async update(workspaceId: string, id: string, changes: ChannelChanges): Promise<ChannelView> {
    const channel = await this.find(workspaceId, id);
    if (changes.name !== undefined) channel.name = changes.name.trim();
    if (changes.retention_days !== undefined) channel.retentionDays = retentionDays(changes.retention_days);
    if (changes.team_id !== undefined) {
      if (changes.team_id !== null) {
        const [team]: unknown[] = await this.db.query(`SELECT 1 FROM team WHERE workspace_id = $1 AND id = $2`, [
          workspaceId,
          changes.team_id,
        ]);
        if (!team) throw notFound('team');
      }
      channel.teamId = changes.team_id;
    }
    const webChanges = pickWebSettings(changes);
    if (Object.keys(webChanges).length) {
      if (channel.type !== 'web')
        throw new AppError('validation_failed', 400, {
          problems: 'widget settings are for website channels',
        });
      channel.settings = webSettings(webChanges, channel.settings);
    }
    const token = changes.bot_token ?? changes.access_token;
    if (token) {
      const adapter = this.platforms.adapter(channel.type);
      const current = this.cipher.decrypt(channel.credentialsEncrypted, channel.id);
      const connected = await adapter
        .connect({
          bot_token: changes.bot_token,
          access_token: changes.access_token,
          ig_user_id: channel.externalId ?? undefined,
        })
        .catch((error) => Promise.reject(connectError(error)));
      if (connected.externalId !== channel.externalId)
        await this.assertNotConnectedElsewhere(channel.type, connected.externalId, channel.id);
      channel.externalId = connected.externalId;
      channel.credentialsEncrypted = this.cipher.encrypt(
        { ...current, ...connected.credentials },
        channel.id,
      );
      channel.status = 'active';
      await adapter
        .registerWebhook(this.access(channel), this.webhookUrl(channel))
        .catch((error) => Promise.reject(connectError(error)));
    }
    return this.present(await this.db.getRepository(Channel).save(channel));
  }

  /** Registers the webhook again with the stored credentials (after the platform forgot it). */
  async reconnect(workspaceId: string, id: string): Promise<ChannelView> {
    const channel = await this.find(workspaceId, id);
    await this.platforms
      .adapter(channel.type)
      .registerWebhook(this.access(channel), this.webhookUrl(channel))
      .catch((error) => Promise.reject(connectError(error)));
    return this.present(channel);
  }

  /** Soft delete: the webhook is removed and traffic stops; the conversations stay readable. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const channel = await this.find(workspaceId, id);
    await this.platforms
      .adapter(channel.type)
      .removeWebhook(this.access(channel))
      .catch((error: Error) =>
        this.logger.warn(`channel ${channel.id}: webhook not removed: ${error.message}`),
      );
    await this.db.getRepository(Channel).softRemove(channel);
  }

  /** What an adapter needs to act for the channel: ids and decrypted credentials. */
  access(
    channel: Pick<Channel, 'id' | 'type' | 'externalId' | 'credentialsEncrypted' | 'webhookSecret'>,
  ): ChannelAccess {
    return {
      id: channel.id,
      type: channel.type,
      externalId: channel.externalId,
      credentials: this.cipher.decrypt(channel.credentialsEncrypted, channel.id),
      webhookSecret: channel.webhookSecret,
    };
  }

  /** The live channel a webhook names; webhooks are not tenant-scoped: their secret or signature is the proof. */
  findLive(type: ChannelType, id: string): Promise<Channel | null> {
    return this.db.getRepository(Channel).findOneBy({ id, type });
  }

  findLiveByAccount(type: ChannelType, externalId: string): Promise<Channel | null> {
    return this.db.getRepository(Channel).findOneBy({ type, externalId });
  }

  private async assertNotConnectedElsewhere(type: ChannelType, externalId: string, exceptId?: string) {
    const existing = await this.db
      .getRepository(Channel)
      .findOneBy({ type, externalId, deletedAt: IsNull(), ...(exceptId ? { id: Not(exceptId) } : {}) });
    if (existing) throw new AppError('channel_already_connected', 409);
  }

  private webhookUrl(channel: Channel): string {
    const { webhook } = this.platforms.adapter(channel.type);
    return `${this.config.publicUrl}${webhookPath(channel.type, webhook, channel.id)}`;
  }

  private async find(workspaceId: string, id: string): Promise<Channel> {
    const channel = await this.db.getRepository(Channel).findOneBy({ id, workspaceId });
    if (!channel) throw notFound('channel');
    return channel;
  }

  private present(channel: Channel): ChannelView {
    return toChannelView(channel, this.webhookUrl(channel));
  }
}
