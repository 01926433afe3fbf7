import axios, { AxiosInstance } from 'axios';
import { PlatformError } from '../platform-error';
import type { ChannelAccess, OAuthGrant, PlatformOAuth } from '../platform';
import { mapDivarError } from './divar.errors';

/**
 * What the owner grants (divar.md §3): read and answer every chat on their ads, write to the
 * app's chatbot users, who they are (their app-scoped user id, needed for revocation notices),
 * the revocation notice itself, and a refresh token.
 */
export const DIVAR_SCOPES = [
  'CHAT_SUPPLIER_ALL_CONVERSATIONS_READ',
  'CHAT_SUPPLIER_ALL_CONVERSATIONS_MESSAGE_SEND',
  'CHAT_BOT_USER_MESSAGE_SEND',
  'USER_ID',
  'NOTIFICATION_ACCESS_REVOCATION',
  'offline_access',
] as const;

/** The event a fresh or refreshed grant subscribes to: chat messages on the owner's ads. */
export const DIVAR_SUBSCRIBED_EVENT = 'NEW_MESSAGE_ON_POST';

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/** What every Kenar call carries: the app's API key and, once granted, the owner's token. */
export function kenarHeaders(channel: ChannelAccess): Record<string, string> {
  return {
    'x-api-key': channel.credentials.api_key,
    ...(channel.credentials.access_token
      ? { authorization: `Bearer ${channel.credentials.access_token}` }
      : {}),
  };
}

/**
 * The business owner's grant (divar.md §3): the authorization-code flow against DIVAR_OAUTH_URL,
 * then who granted (`user_id`, which revocation notices name) and the `NEW_MESSAGE_ON_POST`
 * subscription, renewed on every refresh since it lasts only as long as the token.
 */
export class DivarOAuth implements PlatformOAuth {
  constructor(
    private readonly oauthUrl: string,
    /** The Kenar API (DIVAR_API_URL). */
    private readonly api: AxiosInstance,
  ) {}

  authorizeUrl(channel: ChannelAccess, redirectUri: string, state: string): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: channel.credentials.app_slug,
      redirect_uri: redirectUri,
      scope: DIVAR_SCOPES.join(' '),
      state,
    });
    return `${this.oauthUrl}/oauth2/auth?${query.toString().replace(/\+/g, '%20')}`;
  }

  async grant(channel: ChannelAccess, code: string, redirectUri: string): Promise<OAuthGrant> {
    const tokens = await this.token(channel, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    const credentials = this.grantCredentials(tokens);
    const access = { ...channel, credentials: { ...channel.credentials, ...credentials } };
    const userId = await this.userId(access);
    await this.subscribe(access);
    return { credentials: { ...credentials, user_id: userId }, expiresAt: new Date(credentials.expires_at) };
  }

  /** Both tokens rotate; the old ones stay valid 2 minutes, long enough to store the new ones. */
  async refresh(channel: ChannelAccess): Promise<OAuthGrant> {
    if (!channel.credentials.refresh_token)
      throw new PlatformError('reauthorization_required', 'no refresh token: the owner must authorize again');
    const tokens = await this.token(channel, {
      grant_type: 'refresh_token',
      refresh_token: channel.credentials.refresh_token,
      // Divar's docs ask for the current access token as `code` on a refresh (divar.md §3).
      code: channel.credentials.access_token ?? '',
    });
    const credentials = this.grantCredentials(tokens, channel.credentials.refresh_token);
    return { credentials, expiresAt: new Date(credentials.expires_at) };
  }

  private async token(channel: ChannelAccess, fields: Record<string, string>): Promise<TokenAnswer> {
    const form = new URLSearchParams({
      ...fields,
      client_id: channel.credentials.app_slug,
      client_secret: channel.credentials.client_secret,
    });
    try {
      const { data } = await axios.post<TokenAnswer>(`${this.oauthUrl}/oauth2/token`, form.toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        timeout: 30000,
        proxy: false,
      });
      if (!data?.access_token) throw new PlatformError('rejected', 'Divar gave no access token');
      return data;
    } catch (error) {
      throw mapDivarError(error);
    }
  }

  private grantCredentials(tokens: TokenAnswer, previousRefresh?: string): Record<string, string> {
    // Divar's example lifetime is an hour; a missing expires_in is read as that, never as "forever".
    const seconds = Number(tokens.expires_in) > 0 ? Number(tokens.expires_in) : 3600;
    return {
      access_token: tokens.access_token!,
      refresh_token: tokens.refresh_token ?? previousRefresh ?? '',
      expires_at: new Date(Date.now() + seconds * 1000).toISOString(),
      scope: tokens.scope ?? DIVAR_SCOPES.join(' '),
    };
  }

  private async userId(channel: ChannelAccess): Promise<string> {
    try {
      const { data } = await this.api.get<{ user_id?: string }>('/v1/open-platform/users', {
        headers: kenarHeaders(channel),
      });
      return String(data?.user_id ?? '');
    } catch (error) {
      throw mapDivarError(error);
    }
  }

  /** Divar: "a subscription lasts while the token is valid; after a refresh, subscribe again" (divar.md §4). */
  renew(channel: ChannelAccess): Promise<void> {
    return this.subscribe(channel);
  }

  private async subscribe(channel: ChannelAccess): Promise<void> {
    try {
      await this.api.post(
        '/v1/open-platform/events/subscriptions',
        { event_type: DIVAR_SUBSCRIBED_EVENT, event_resource_id: '', metadata: {} },
        { headers: kenarHeaders(channel) },
      );
    } catch (error) {
      throw mapDivarError(error);
    }
  }
}
