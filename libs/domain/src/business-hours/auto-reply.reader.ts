import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import { EventLog, EventReader } from '../events/event-log';
import { CsatService } from '../reports/csat.service';
import { CsatCommentService, ratedRequestId } from '../reports/csat-comment.service';
import { AutomaticMessageService, customerLanguage } from './automatic-message.service';
import { BusinessHoursRow, BusinessHoursService, Scoped } from './business-hours.service';
import { closedSince, isOpenAt } from './schedule';

type Created = PublishedEvent<Extract<DomainEvent, { type: 'message.created' }>>;
type Updated = PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>;

/**
 * The event log's `auto-replies` reader: what Parley answers by itself. A customer's message outside
 * business hours (its team's own schedule when the team has one, else the workspace's) gets the
 * channel's out-of-hours reply of that schedule, at most once per conversation per closed
 * period (the conversation remembers when it got it; a replayed batch or a second message finds it
 * already there); a resolution on a channel that asks for ratings sends one rating request (CSAT).
 * Off the inbound hot path: a webhook is answered before any of this runs, and a slow platform
 * delays only this reader's cursor. It reacts only to customer messages and resolutions, never to
 * what it sends, so it cannot loop.
 */
@Injectable()
export class AutoReplyReader implements EventReader, OnModuleInit {
  readonly name = 'auto-replies';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly log: EventLog,
    private readonly hours: BusinessHoursService,
    private readonly automatic: AutomaticMessageService,
    private readonly csat: CsatService,
    private readonly csatComments: CsatCommentService,
  ) {}

  onModuleInit(): void {
    this.log.register(this);
  }

  /** Nothing to do where hours are off and no channel asks for ratings. */
  async idleIn(workspaceId: string, db: QueryRunner): Promise<boolean> {
    const [row]: { busy: boolean }[] = await db.query(
      `SELECT EXISTS (SELECT 1 FROM business_hours WHERE workspace_id = $1 AND enabled)
           OR EXISTS (SELECT 1 FROM channel WHERE workspace_id = $1 AND csat_enabled AND deleted_at IS NULL) AS busy`,
      [workspaceId],
    );
    return !row.busy;
  }

  async handle(workspaceId: string, events: PublishedEvent[]): Promise<void> {
    // A customer's own words (not a button press) to people, not to a bot.
    const asks = new Set(
      events.flatMap((event) => {
        if (event.type !== 'message.created') return [];
        const { message, bot } = (event as Created).payload;
        return message.type === 'customer' && !message.button && !bot ? [message] : [];
      }),
    );
    const schedules = asks.size ? await this.hours.schedulesOf(workspaceId) : null;
    const teams = schedules?.all().some((s) => s.enabled)
      ? await this.teamsOf(workspaceId, schedules, [...new Set([...asks].map((m) => m.conversation_id))])
      : null;
    for (const event of events) {
      if (event.type === 'message.created') {
        const { message } = (event as Created).payload;
        // A rating just recorded (its system line carries the press) is thanked for, inviting a comment.
        const rated =
          message.type === 'system' && message.button ? ratedRequestId(message.button.payload) : null;
        if (rated) await this.csatComments.thank(workspaceId, rated);
        if (!teams || !asks.has(message)) continue;
        const hours = schedules!.of(teams.get(message.conversation_id));
        if (hours.enabled)
          await this.outOfHours(workspaceId, hours, message.conversation_id, new Date(message.created_at));
      } else if (event.type === 'conversation.updated') {
        const { conversation, changes } = (event as Updated).payload;
        if (changes.includes('status') && conversation.status === 'resolved')
          await this.csat.requestRating(workspaceId, conversation, event.seq);
      }
    }
  }

  /** The conversations' teams, in one statement, and only where some team has a schedule of its own. */
  private async teamsOf(
    workspaceId: string,
    schedules: Scoped<BusinessHoursRow>,
    conversationIds: string[],
  ): Promise<Map<string, string | null>> {
    if (!schedules.anyTeam) return new Map();
    const rows: { id: string; team_id: string | null }[] = await this.db.query(
      `SELECT id, team_id FROM conversation WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, conversationIds],
    );
    return new Map(rows.map((r) => [r.id, r.team_id]));
  }

  private async outOfHours(workspaceId: string, hours: BusinessHoursRow, conversationId: string, at: Date) {
    if (isOpenAt(hours, at)) return;
    const periodStart = closedSince(hours, at) ?? new Date(0);
    await this.automatic.send(
      workspaceId,
      conversationId,
      async (manager) =>
        (
          (await manager.query(
            `UPDATE conversation SET out_of_hours_replied_at = $3
              WHERE workspace_id = $1 AND id = $2
                AND (out_of_hours_replied_at IS NULL OR out_of_hours_replied_at < $4)
              RETURNING id`,
            [workspaceId, conversationId, at, periodStart],
          )) as unknown[][]
        )[0].length > 0,
      async (manager) => {
        const [{ channel_id: channelId }]: { channel_id: string }[] = await manager.query(
          `SELECT channel_id FROM conversation WHERE workspace_id = $1 AND id = $2`,
          [workspaceId, conversationId],
        );
        const reply =
          hours.out_of_hours_replies.find((r) => r.channel_id === channelId) ??
          hours.out_of_hours_replies.find((r) => r.channel_id === null);
        if (!reply?.enabled) return null;
        const wanted = await customerLanguage(manager, workspaceId, conversationId, hours.default_language);
        const content =
          reply.texts[wanted] ??
          reply.texts[hours.default_language] ??
          reply.texts.en ??
          Object.values(reply.texts)[0];
        return content ? { kind: 'out_of_hours', content } : null;
      },
    );
  }
}
