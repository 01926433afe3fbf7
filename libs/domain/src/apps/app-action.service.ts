import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  APP_ACTION_LIMITS,
  APP_CONTEXT_ISSUER,
  APP_CONTEXT_PARAM,
  APP_CONTEXT_TTL_SECONDS,
  type AppActionsView,
  type AppActionView,
  type AppContextClaims,
  type AppContextSecretView,
  type ConversationActionView,
  type OpenedActionView,
} from '@parley/contract/app-actions';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ConversationStatus } from '@parley/contract/views';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError, notFound } from '@parley/errors/app-error';
import { cleanText } from '@parley/security/content';
import { SecurityEventService } from '@parley/security/security-event.service';
import { CredentialsCipher } from '../services/credentials-cipher';
import type { AuthAgent } from '../services/token.service';
import { checkAppUrl } from './app-url';

const KEY_SHAPE = /^[a-z0-9_-]{1,40}$/;
/** `pcx_` + 32 random bytes: recognisable in a leak, like API keys' `pk_live_`. */
const newContextSecret = () => `pcx_${randomBytes(32).toString('base64url')}`;

interface ActionRow {
  id: string;
  key: string;
  name: string;
  name_fa: string | null;
  name_ar: string | null;
  url: string;
  created_at: Date;
  updated_at: Date;
  app_id: string;
  app_name: string;
  /** The app's sealed context secret (never answered). */
  secret_sealed: string | null;
}

const toAppActionView = (row: ActionRow): AppActionView => ({
  id: row.id,
  key: row.key,
  name: row.name,
  name_fa: row.name_fa,
  name_ar: row.name_ar,
  url: row.url,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

const toConversationActionView = (row: ActionRow): ConversationActionView => ({
  id: row.id,
  key: row.key,
  name: row.name,
  name_fa: row.name_fa,
  name_ar: row.name_ar,
  app: { id: row.app_id, name: row.app_name },
});

/** Actions of live apps only: a revoked key's actions are gone the moment it is revoked. */
const ACTIONS = `
  SELECT x.id, x.key, x.name, x.name_fa, x.name_ar, x.url, x.created_at, x.updated_at,
         k.id AS app_id, k.name AS app_name, s.secret_sealed
    FROM app_action x
    JOIN api_key k ON k.id = x.api_key_id AND k.revoked_at IS NULL
    LEFT JOIN app_context_secret s ON s.api_key_id = x.api_key_id
   WHERE x.workspace_id = $1`;

/** An app principal: the caller must be one (agents do not declare or post as apps). */
export function appOf(principal: AuthAgent): { keyId: string; name: string } {
  if (!principal.app) throw new AppError('apps_only', 403);
  return { keyId: principal.app.keyId, name: principal.name };
}

/**
 * Apps inside a conversation. An app declares its actions with its own credential; agents list
 * the actions for a conversation and open one, which answers the app's page with a signed context
 * (an HS256 JWT under the app's context secret, valid APP_CONTEXT_TTL_SECONDS) the app verifies.
 */
@Injectable()
export class AppActionService {
  /** Its own signer: the domain's JwtService is bound to the agents' key. */
  private readonly jwt = new JwtService();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly cipher: CredentialsCipher,
    private readonly securityEvents: SecurityEventService,
  ) {}

  /** The calling app's actions. */
  async list(workspaceId: string, principal: AuthAgent): Promise<AppActionsView> {
    const app = appOf(principal);
    return { app: { id: app.keyId, name: app.name }, actions: await this.ownActions(workspaceId, app.keyId) };
  }

  /**
   * Replaces the calling app's actions with `input` (an action keeps its id while its key stays).
   * The first declaration creates the app's context secret and answers it, that once.
   */
  async declare(workspaceId: string, principal: AuthAgent, input: unknown): Promise<AppActionsView> {
    const app = appOf(principal);
    const actions = this.checkActions(input);
    const secret = await this.db.transaction(async (manager) => {
      // One declaration at a time per app: two concurrent PUTs end as one of them, not a mix.
      await manager.query(`SELECT id FROM api_key WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, [
        app.keyId,
        workspaceId,
      ]);
      await manager.query(`DELETE FROM app_action WHERE api_key_id = $1 AND NOT (key = ANY($2::text[]))`, [
        app.keyId,
        actions.map((a) => a.key),
      ]);
      for (const [position, action] of actions.entries())
        await manager.query(
          `INSERT INTO app_action (workspace_id, api_key_id, key, name, name_fa, name_ar, url, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (api_key_id, key) DO UPDATE SET name = $4, name_fa = $5, name_ar = $6, url = $7,
             position = $8, updated_at = now()`,
          [
            workspaceId,
            app.keyId,
            action.key,
            action.name,
            action.name_fa,
            action.name_ar,
            action.url,
            position,
          ],
        );
      const fresh = newContextSecret();
      const created: unknown[] = await manager.query(
        `INSERT INTO app_context_secret (api_key_id, workspace_id, secret_sealed) VALUES ($1, $2, $3)
         ON CONFLICT (api_key_id) DO NOTHING RETURNING api_key_id`,
        [app.keyId, workspaceId, this.cipher.encrypt({ secret: fresh }, app.keyId)],
      );
      return created.length ? fresh : null;
    });
    const view = await this.list(workspaceId, principal);
    return secret ? { ...view, context_secret: secret } : view;
  }

  /** A new context secret, answered once: contexts signed from now on use it, the old one verifies nothing new. */
  async rotateSecret(workspaceId: string, principal: AuthAgent): Promise<AppContextSecretView> {
    const app = appOf(principal);
    const secret = newContextSecret();
    await this.db.query(
      `INSERT INTO app_context_secret (api_key_id, workspace_id, secret_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (api_key_id) DO UPDATE SET secret_sealed = $3, rotated_at = now()`,
      [app.keyId, workspaceId, this.cipher.encrypt({ secret }, app.keyId)],
    );
    return { context_secret: secret };
  }

  /** The actions agents may open on a conversation: every live app's of its workspace. */
  async forConversation(workspaceId: string, conversationId: string): Promise<ConversationActionView[]> {
    await this.conversationContext(workspaceId, conversationId);
    const rows: ActionRow[] = await this.db.query(`${ACTIONS} ORDER BY k.created_at, k.id, x.position`, [
      workspaceId,
    ]);
    return rows.map(toConversationActionView);
  }

  /**
   * Opens an action for an agent: the app's URL with the signed context appended as
   * `parley_context`. Recorded as an `app_action_opened` security event (who, which app).
   */
  async open(
    workspaceId: string,
    agent: AuthAgent,
    conversationId: string,
    actionId: string,
  ): Promise<OpenedActionView> {
    const context = await this.conversationContext(workspaceId, conversationId);
    const [row]: ActionRow[] = await this.db.query(`${ACTIONS} AND x.id = $2`, [workspaceId, actionId]);
    if (!row?.secret_sealed) throw notFound('action');
    const secret = this.cipher.decrypt(row.secret_sealed, row.app_id).secret;
    const now = Math.floor(Date.now() / 1000);
    const claims: Omit<AppContextClaims, 'iss' | 'aud' | 'iat' | 'exp' | 'jti'> = {
      action: row.key,
      workspace: { id: workspaceId, name: context.workspace_name },
      conversation: { id: conversationId, status: context.status, channel_type: context.channel_type },
      contact: { id: context.contact_id, name: context.contact_name },
      agent: { id: agent.id, name: agent.name, role: agent.role },
    };
    const token = this.jwt.sign(
      { ...claims, iat: now },
      {
        secret,
        algorithm: 'HS256',
        issuer: APP_CONTEXT_ISSUER,
        audience: row.app_id,
        expiresIn: APP_CONTEXT_TTL_SECONDS,
        jwtid: randomUUID(),
      },
    );
    const url = new URL(row.url);
    url.searchParams.set(APP_CONTEXT_PARAM, token);
    await this.securityEvents.record({
      kind: 'app_action_opened',
      workspaceId,
      agentId: agent.id,
      detail: {
        api_key_id: row.app_id,
        app: row.app_name,
        action_id: row.id,
        action: row.key,
        conversation_id: conversationId,
      },
    });
    return {
      url: url.href,
      expires_at: new Date((now + APP_CONTEXT_TTL_SECONDS) * 1000).toISOString(),
      action: toConversationActionView(row),
    };
  }

  private async ownActions(workspaceId: string, keyId: string): Promise<AppActionView[]> {
    const rows: ActionRow[] = await this.db.query(`${ACTIONS} AND x.api_key_id = $2 ORDER BY x.position`, [
      workspaceId,
      keyId,
    ]);
    return rows.map(toAppActionView);
  }

  private async conversationContext(workspaceId: string, conversationId: string) {
    const [row]: {
      workspace_name: string;
      status: ConversationStatus;
      channel_type: ChannelType;
      contact_id: string;
      contact_name: string | null;
    }[] = await this.db.query(
      `SELECT w.name AS workspace_name, c.status, ch.type AS channel_type, ct.id AS contact_id, ct.name AS contact_name
         FROM conversation c
         JOIN workspace w ON w.id = c.workspace_id
         JOIN channel ch ON ch.id = c.channel_id
         JOIN contact ct ON ct.id = c.contact_id
        WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, conversationId],
    );
    if (!row) throw notFound('conversation');
    return row;
  }

  /**
   * An action's page is framed with scripts on its own origin: on Parley's own origin that would be
   * the dashboard, with the agent's session, so Parley's address is refused (the dashboard checks too).
   */
  private checkActionUrl(raw: unknown): string {
    const url = checkAppUrl(raw, this.config.appActions, 'app_action_url_invalid');
    if (new URL(url).origin === new URL(this.config.apiPublicUrl).origin)
      throw new AppError('app_action_url_invalid', 400, { reason: 'Parley’s own address cannot be an app' });
    return url;
  }

  /** `{actions: [...]}` as the app sent it, checked whole before anything is stored. */
  private checkActions(input: unknown) {
    const invalid = (reason: string) => new AppError('app_actions_invalid', 400, { reason });
    const list = (input as { actions?: unknown } | null)?.actions;
    if (!Array.isArray(list)) throw invalid('actions must be a list');
    if (list.length > APP_ACTION_LIMITS.perApp)
      throw invalid(`at most ${APP_ACTION_LIMITS.perApp} actions per app`);
    const seen = new Set<string>();
    return list.map((item: unknown, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw invalid(`action ${index + 1} must be an object`);
      const action = item as Record<string, unknown>;
      if (typeof action.key !== 'string' || !KEY_SHAPE.test(action.key))
        throw invalid(`action ${index + 1}: key must be 1 to 40 of a-z, 0-9, _ and -`);
      if (seen.has(action.key)) throw invalid(`action key ${action.key} appears twice`);
      seen.add(action.key);
      const name = (field: string, required: boolean): string | null => {
        const value = action[field];
        if (value === undefined || value === null) {
          if (required) throw invalid(`action ${action.key as string}: ${field} is required`);
          return null;
        }
        const text = typeof value === 'string' ? cleanText(value).trim() : '';
        if (!text || text.length > APP_ACTION_LIMITS.nameMax)
          throw invalid(
            `action ${action.key as string}: ${field} must be 1 to ${APP_ACTION_LIMITS.nameMax} characters`,
          );
        return text;
      };
      return {
        key: action.key,
        name: name('name', true)!,
        name_fa: name('name_fa', false),
        name_ar: name('name_ar', false),
        url: this.checkActionUrl(action.url),
      };
    });
  }
}
