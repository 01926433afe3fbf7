import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import type { OAuthGrant, PlatformOAuth } from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from '@parley/security/security-event.service';
import { ChannelStatusService } from './channel-status.service';
import { ChannelService } from './channel.service';
import { CredentialsCipher } from './credentials-cipher';

/** How long an authorization link may wait for the owner's answer. */
export const OAUTH_STATE_TTL_SECONDS = 600;

/** What a state stands for: who started the grant, for which channel. */
interface OAuthState {
  workspaceId: string;
  channelId: string;
  agentId: string;
  type: string;
}

export type OAuthOutcome =
  | { result: 'connected'; channelId: string }
  | { result: 'denied'; channelId: string }
  | { result: 'failed'; channelId: string; reason: string };

/**
 * The owner's OAuth grant for a channel whose platform connects that way (Divar): the authorize
 * link with a single-use state bound to workspace, channel and agent; the callback storing the
 * tokens encrypted; and the refreshes the worker runs before tokens expire. Tokens never leave
 * the server and never reach a log.
 */
@Injectable()
export class ChannelOAuthService {
  private readonly logger = new Logger(ChannelOAuthService.name);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
    private readonly cipher: CredentialsCipher,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly channelStatus: ChannelStatusService,
    private readonly security: SecurityEventService,
  ) {}

  /** Where the platform returns the owner's browser: the api's public callback. */
  redirectUri(type: string): string {
    return `${this.config.apiPublicUrl}/oauth/${type}/callback`;
  }

  /** The URL to send the owner's browser to; its state is good once, for OAUTH_STATE_TTL_SECONDS. */
  async authorizeUrl(workspaceId: string, agentId: string, type: string, channelId: string): Promise<string> {
    const channel = await this.db.getRepository(Channel).findOneBy({ id: channelId, workspaceId, type });
    if (!channel) throw notFound('channel');
    const oauth = this.oauthOf(type);
    const state = randomBytes(32).toString('base64url');
    const bound: OAuthState = { workspaceId, channelId, agentId, type };
    await this.redis.redis.set(this.stateKey(state), JSON.stringify(bound), 'EX', OAUTH_STATE_TTL_SECONDS);
    return oauth.authorizeUrl(this.channels.access(channel), this.redirectUri(type), state);
  }

  /**
   * The owner's browser is back. An unknown, used or expired state is refused (`oauth_state_invalid`);
   * no code means the owner said no (recorded); otherwise the code is exchanged and the channel is
   * active with the new grant.
   */
  async complete(
    type: string,
    query: { state?: string; code?: string; error?: string },
  ): Promise<OAuthOutcome> {
    const state =
      typeof query.state === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(query.state) ? query.state : null;
    // GETDEL: a state is spent by its first use, whatever comes of it.
    const raw = state ? await this.redis.redis.getdel(this.stateKey(state)) : null;
    const bound = raw ? (JSON.parse(raw) as OAuthState) : null;
    if (!bound || bound.type !== type) throw new AppError('oauth_state_invalid', 400);
    const channel = await this.db
      .getRepository(Channel)
      .findOneBy({ id: bound.channelId, workspaceId: bound.workspaceId, type });
    if (!channel) throw new AppError('oauth_state_invalid', 400);

    const code = typeof query.code === 'string' && query.code ? query.code : null;
    if (!code) {
      await this.security.record({
        kind: 'channel_authorization_denied',
        workspaceId: channel.workspaceId,
        agentId: bound.agentId,
        detail: {
          channel_id: channel.id,
          platform: type,
          error: String(query.error ?? 'no code').slice(0, 100),
        },
      });
      return { result: 'denied', channelId: channel.id };
    }
    let grant: OAuthGrant;
    try {
      grant = await this.oauthOf(type).grant(this.channels.access(channel), code, this.redirectUri(type));
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      this.logger.warn(`channel ${channel.id}: the ${type} grant failed: ${error.code}`);
      return { result: 'failed', channelId: channel.id, reason: error.reason };
    }
    await this.db.transaction((manager) => this.store(manager, channel.id, channel.workspaceId, grant));
    await this.channelStatus.reactivate(channel);
    this.logger.log(`channel ${channel.id}: authorized by agent ${bound.agentId}`);
    return { result: 'connected', channelId: channel.id };
  }

  /**
   * Refreshes, one channel at a time, every active channel whose token expires within
   * OAUTH_REFRESH_BEFORE_SECONDS. Each is claimed with FOR UPDATE SKIP LOCKED, so several workers
   * share the work and never refresh one channel twice (a refresh token rotates). The rotated
   * tokens are stored before anything else may fail; then what lasts only as long as a token is
   * renewed (Divar's subscription), and if that fails the channel is due again at the next scan.
   * A refused refresh holds the channel for reauthorization; a platform that does not answer is
   * tried on the next scan. Answers how many were refreshed.
   */
  async refreshDue(): Promise<number> {
    const tried: string[] = [];
    let refreshed = 0;
    for (;;) {
      const outcome = await this.db.transaction(async (manager) => {
        const [row]: { id: string }[] = await manager.query(
          `SELECT id FROM channel
            WHERE token_expires_at IS NOT NULL AND deleted_at IS NULL AND status = 'active'
              AND token_expires_at < now() + make_interval(secs => $1) AND NOT (id = ANY($2::uuid[]))
            ORDER BY token_expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [this.config.oauth.refreshBeforeSeconds, tried],
        );
        if (!row) return null;
        tried.push(row.id);
        const channel = await manager.findOneByOrFail(Channel, { id: row.id });
        const oauth = this.platforms.find(channel.type)?.oauth;
        if (!oauth) return { kind: 'skipped' as const, channel };
        let grant: OAuthGrant;
        try {
          grant = await oauth.refresh(this.channels.access(channel));
        } catch (error) {
          if (!(error instanceof PlatformError)) throw error;
          return { kind: 'failed' as const, channel, error };
        }
        const stored = await this.store(manager, channel.id, channel.workspaceId, grant);
        return { kind: 'refreshed' as const, channel: stored, oauth };
      });
      if (!outcome) return refreshed;
      const { channel } = outcome;
      if (outcome.kind === 'failed') {
        const { error } = outcome;
        if (error.code === 'reauthorization_required' || error.code === 'rejected')
          await this.channelStatus.requireReauthorization(
            channel,
            `the token refresh was refused: ${error.reason}`,
          );
        else
          this.logger.warn(`channel ${channel.id}: token refresh failed (${error.code}), tried again later`);
        continue;
      }
      if (outcome.kind === 'skipped') continue;
      refreshed++;
      await outcome.oauth.renew(this.channels.access(channel)).catch(async (error: unknown) => {
        if (!(error instanceof PlatformError)) throw error;
        this.logger.warn(
          `channel ${channel.id}: renewing after the refresh failed (${error.code}), tried again soon`,
        );
        // Due at the next scan, which refreshes and renews again.
        await this.db.query(
          `UPDATE channel SET token_expires_at = now() + make_interval(secs => $3)
            WHERE id = $1 AND workspace_id = $2`,
          [channel.id, channel.workspaceId, this.config.oauth.refreshBeforeSeconds],
        );
      });
    }
  }

  /** The grant's credentials merged into the channel's, encrypted, with the token's expiry beside them. */
  private async store(
    manager: EntityManager,
    id: string,
    workspaceId: string,
    grant: OAuthGrant,
  ): Promise<Channel> {
    const channel = await manager
      .getRepository(Channel)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id AND c.workspace_id = :workspaceId', { id, workspaceId })
      .getOneOrFail();
    const current = this.cipher.decrypt(channel.credentialsEncrypted, channel.id);
    channel.credentialsEncrypted = this.cipher.encrypt({ ...current, ...grant.credentials }, channel.id);
    channel.tokenExpiresAt = grant.expiresAt;
    await manager.update(
      Channel,
      { id, workspaceId },
      { credentialsEncrypted: channel.credentialsEncrypted, tokenExpiresAt: channel.tokenExpiresAt },
    );
    return channel;
  }

  private oauthOf(type: string): PlatformOAuth {
    const oauth = this.platforms.find(type)?.oauth;
    if (!oauth) throw new AppError('oauth_not_supported', 400);
    return oauth;
  }

  private stateKey(state: string): string {
    return `oauth-state:${state}`;
  }
}
