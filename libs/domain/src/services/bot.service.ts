import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BOT_SCOPES, type BotRemovedView, type BotView } from '@parley/contract/bots';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ConversationView } from '@parley/contract/views';
import { AppError, notFound } from '@parley/errors/app-error';
import type { ConversationRow } from '../presenters/conversation.presenter';
import { toConversationView } from '../presenters/conversation.presenter';
import { BotHandoffService } from './bot-handoff.service';
import { ChannelService } from './channel.service';
import { SHARED_VIEW_SELECT } from './conversation-queries';
import { agentIdOf, type AuthAgent } from './token.service';

const MAX_CHANNELS = 100;
const REASON_MAX = 500;

interface BotRow {
  id: string;
  name: string;
  channels: { id: string; name: string; type: ChannelType }[];
  handling: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `
  SELECT b.api_key_id AS id, k.name, b.created_at, b.updated_at,
         coalesce((SELECT json_agg(json_build_object('id', ch.id, 'name', ch.name, 'type', ch.type) ORDER BY ch.name, ch.id)
                     FROM channel ch WHERE ch.bot_api_key_id = b.api_key_id AND ch.workspace_id = b.workspace_id),
                  '[]'::json) AS channels,
         (SELECT count(*) FROM conversation c
           WHERE c.workspace_id = b.workspace_id AND c.bot_api_key_id = b.api_key_id)::int AS handling
    FROM bot b JOIN api_key k ON k.id = b.api_key_id
   WHERE b.workspace_id = $1`;

const toBotView = (row: BotRow): BotView => ({
  id: row.id,
  name: row.name,
  channels: row.channels,
  handling: Number(row.handling),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/**
 * The workspace's bots (admins set them up) and their hand-off. A bot is an app principal — an
 * API key row, whether an admin created the key or an OAuth installation did — plus the channels
 * whose new conversations it takes first; a channel has at most one bot. A bot leaves (removed, or
 * its key revoked) only by handing every conversation it holds to people, so none is ever stranded
 * outside the agents' queue.
 */
@Injectable()
export class BotService {
  private readonly logger = new Logger(BotService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly handoff: BotHandoffService,
    private readonly channels: ChannelService,
  ) {}

  async list(workspaceId: string): Promise<BotView[]> {
    const rows: BotRow[] = await this.db.query(`${SELECT} ORDER BY b.created_at, b.api_key_id`, [
      workspaceId,
    ]);
    return rows.map(toBotView);
  }

  async get(workspaceId: string, id: string, manager: EntityManager = this.db.manager): Promise<BotView> {
    const [row]: BotRow[] = await manager.query(`${SELECT} AND b.api_key_id = $2`, [workspaceId, id]);
    if (!row) throw notFound('bot');
    return toBotView(row);
  }

  /** Makes an active API key of the workspace the bot of these channels (each free, and the workspace's). */
  async create(
    workspaceId: string,
    admin: AuthAgent,
    input: { apiKeyId: string; channelIds: string[] },
  ): Promise<BotView> {
    const bot = await this.db.transaction(async (manager) => {
      const [key]: { id: string; scopes: string[]; revoked_at: Date | null }[] = await manager.query(
        `SELECT id, scopes, revoked_at FROM api_key WHERE workspace_id = $1 AND id = $2 FOR SHARE`,
        [workspaceId, input.apiKeyId],
      );
      if (!key) throw notFound('api_key');
      if (key.revoked_at || !BOT_SCOPES.every((scope) => key.scopes.includes(scope)))
        throw new AppError('bot_key_invalid', 400);
      const made: unknown[] = await manager.query(
        `INSERT INTO bot (api_key_id, workspace_id, created_by_agent_id) VALUES ($1, $2, $3)
         ON CONFLICT (api_key_id) DO NOTHING RETURNING api_key_id`,
        [key.id, workspaceId, agentIdOf(admin)],
      );
      if (!made.length) throw new AppError('bot_exists', 409);
      await this.setChannels(manager, workspaceId, key.id, input.channelIds);
      return this.get(workspaceId, key.id, manager);
    });
    await this.listenForPresses(workspaceId, bot);
    return bot;
  }

  /** Replaces the bot's channels; conversations it already holds stay its own until handed off. */
  async update(workspaceId: string, id: string, channelIds: string[]): Promise<BotView> {
    const bot = await this.db.transaction(async (manager) => {
      const found: unknown[] = await manager.query(
        `SELECT 1 FROM bot WHERE workspace_id = $1 AND api_key_id = $2 FOR UPDATE`,
        [workspaceId, id],
      );
      if (!found.length) throw notFound('bot');
      await this.setChannels(manager, workspaceId, id, channelIds);
      await manager.query(`UPDATE bot SET updated_at = now() WHERE api_key_id = $1`, [id]);
      return this.get(workspaceId, id, manager);
    });
    await this.listenForPresses(workspaceId, bot);
    return bot;
  }

  /**
   * Registers each of the bot's channels' webhooks again, so a channel connected before presses
   * existed asks its platform for them too (Telegram's allowed_updates now name callback_query).
   * A platform that refuses now leaves the bot working for messages; the admin is told in the log.
   */
  private async listenForPresses(workspaceId: string, bot: BotView): Promise<void> {
    for (const channel of bot.channels) {
      await this.channels
        .reconnect(workspaceId, channel.id)
        .catch((error: Error) =>
          this.logger.warn(`channel ${channel.id}: webhook not registered again: ${error.message}`),
        );
    }
  }

  /** Removes the bot: every conversation it holds goes to people first (a system line in each says so). */
  async remove(workspaceId: string, admin: AuthAgent, id: string): Promise<BotRemovedView> {
    const handedOff = await this.db.transaction(async (manager) => {
      const [bot]: { name: string }[] = await manager.query(
        `SELECT k.name FROM bot b JOIN api_key k ON k.id = b.api_key_id
          WHERE b.workspace_id = $1 AND b.api_key_id = $2 FOR UPDATE OF b`,
        [workspaceId, id],
      );
      if (!bot) throw notFound('bot');
      const count = await this.releaseAll(manager, workspaceId, id, bot.name, admin.id);
      await manager.query(`DELETE FROM bot WHERE workspace_id = $1 AND api_key_id = $2`, [workspaceId, id]);
      return count;
    });
    return { id, handed_off: handedOff };
  }

  /**
   * The key was revoked (ApiKeyService, in its transaction): its bot, if it is one, hands every
   * conversation to people and is removed.
   */
  async keyRevoked(
    manager: EntityManager,
    workspaceId: string,
    apiKeyId: string,
    name: string,
    actorId: string | null,
  ) {
    const found: unknown[] = await manager.query(
      `SELECT 1 FROM bot WHERE workspace_id = $1 AND api_key_id = $2 FOR UPDATE`,
      [workspaceId, apiKeyId],
    );
    if (!found.length) return;
    await this.releaseAll(manager, workspaceId, apiKeyId, name, actorId);
    await manager.query(`DELETE FROM bot WHERE workspace_id = $1 AND api_key_id = $2`, [
      workspaceId,
      apiKeyId,
    ]);
  }

  /**
   * `POST /conversations/{id}/handoff`: the handling bot (or any agent) gives the conversation to
   * people: status `open`, back in the agents' queue, announced to them as new. Another app, or a
   * conversation no bot ever handled, is `409 bot_not_handling`; once handed off, calling again
   * answers the conversation as it is.
   */
  async handOff(
    workspaceId: string,
    caller: AuthAgent,
    conversationId: string,
    reason: string | null,
  ): Promise<ConversationView> {
    const text =
      reason
        ?.replace(/\p{Cc}/gu, ' ')
        .trim()
        .slice(0, REASON_MAX) || null;
    return this.db.transaction(async (manager) => {
      const found: unknown[] = await manager.query(
        `SELECT 1 FROM conversation WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
        [workspaceId, conversationId],
      );
      if (!found.length) throw notFound('conversation');
      const [locked]: (ConversationRow & { handed_off_at: Date | null })[] = await manager.query(
        `SELECT s.*, c2.handed_off_at FROM (${SHARED_VIEW_SELECT}) s JOIN conversation c2 ON c2.id = s.id`,
        [workspaceId, [conversationId]],
      );
      const byApp = caller.app?.keyId ?? null;
      if (!locked.bot_id) {
        // Already with people: the same call again is answered as done; a conversation no bot had is not this app's.
        if (byApp && !locked.handed_off_at) throw new AppError('bot_not_handling', 409);
        return toConversationView(locked, false);
      }
      if (byApp && locked.bot_id !== byApp) throw new AppError('bot_not_handling', 409);
      const now = await this.handoff.release(
        manager,
        workspaceId,
        locked,
        { kind: 'handoff', by: byApp ? (locked.bot_name ?? caller.name) : caller.name, reason: text },
        caller.id,
        true,
      );
      return toConversationView(now, false);
    });
  }

  private async releaseAll(
    manager: EntityManager,
    workspaceId: string,
    botId: string,
    name: string,
    actorId: string | null,
  ): Promise<number> {
    const held: { id: string }[] = await manager.query(
      `SELECT id FROM conversation WHERE workspace_id = $1 AND bot_api_key_id = $2 ORDER BY id FOR NO KEY UPDATE`,
      [workspaceId, botId],
    );
    const rows: ConversationRow[] = held.length
      ? await manager.query(`${SHARED_VIEW_SELECT} ORDER BY c.id`, [workspaceId, held.map((h) => h.id)])
      : [];
    for (const row of rows)
      await this.handoff.release(
        manager,
        workspaceId,
        row,
        { kind: 'bot_removed', bot: name },
        actorId,
        true,
      );
    return rows.length;
  }

  /** The channels of the workspace this bot takes first from now on; one taken by another bot is refused. */
  private async setChannels(
    manager: EntityManager,
    workspaceId: string,
    botId: string,
    channelIds: string[],
  ) {
    const ids = [...new Set(channelIds)];
    if (ids.length > MAX_CHANNELS) throw new AppError('validation_failed', 400);
    const channels: { id: string; bot_api_key_id: string | null }[] = await manager.query(
      `SELECT id, bot_api_key_id FROM channel WHERE workspace_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE`,
      [workspaceId, ids],
    );
    if (channels.length !== ids.length) throw notFound('channel');
    const taken = channels.find((ch) => ch.bot_api_key_id && ch.bot_api_key_id !== botId);
    if (taken) throw new AppError('bot_channel_taken', 409, { channel_id: taken.id });
    await manager.query(
      `UPDATE channel SET bot_api_key_id = NULL WHERE workspace_id = $1 AND bot_api_key_id = $2 AND NOT (id = ANY($3::uuid[]))`,
      [workspaceId, botId, ids],
    );
    await manager.query(
      `UPDATE channel SET bot_api_key_id = $3 WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids, botId],
    );
  }
}
