import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import { EventLog, EventReader } from '../events/event-log';
import { restart } from './sla';
import { SlaContexts, SlaService } from './sla.service';

type Created = PublishedEvent<Extract<DomainEvent, { type: 'message.created' }>>;
type Updated = PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>;

/** A customer's message, as the cycles and SLAs see it. */
interface Ask {
  seq: number;
  conversationId: string;
  messageId: string;
  at: Date;
  /** A bot is handling the conversation: no SLA runs for people yet. */
  withBot: boolean;
}

/**
 * The event log's `metrics` reader keeps what reports and SLAs are computed from, so neither reads
 * the message table:
 * - a `conversation_cycle` per time a conversation is asked: started by the customer's message
 *   that finds no open cycle, first answered by an agent's reply (not Parley's automatic ones, nor
 *   a bot's), ended by the resolution. Its team is the conversation's while it is open (a move to
 *   another team moves the open cycle with it) and the one it was resolved in afterwards;
 * - the SLA deadlines on the conversation (first response and resolution from the cycle's start,
 *   next response from a customer's message after an agent's answer), cleared as they are met,
 *   under the policy and schedule of the conversation's team (its own, else the workspace's).
 * Every write is keyed by the event's own seq, so a batch handled twice changes nothing the second
 * time.
 */
@Injectable()
export class MetricsReader implements EventReader, OnModuleInit {
  readonly name = 'metrics';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly log: EventLog,
    private readonly sla: SlaService,
  ) {}

  onModuleInit(): void {
    this.log.register(this);
  }

  async handle(workspaceId: string, events: PublishedEvent[]): Promise<void> {
    let context: SlaContexts | null = null;
    const sla = async () => (context ??= await this.sla.contextOf(workspaceId));
    // Customers' messages in a row are taken together (one statement for the cycles they start):
    // a storm brings thousands a second. Anything else in between is handled in its place.
    let asks: Ask[] = [];
    const flush = async () => {
      if (asks.length) await this.asked(workspaceId, asks, await sla());
      asks = [];
    };
    for (const event of events) {
      if (event.type === 'message.created') {
        const { message, bot } = (event as Created).payload;
        const at = new Date(message.created_at);
        if (message.type === 'customer') {
          asks.push({
            seq: event.seq,
            conversationId: message.conversation_id,
            messageId: message.id,
            at,
            withBot: !!bot,
          });
          continue;
        }
        await flush();
        if (message.type === 'support' && message.sender?.kind === 'agent')
          await this.answered(
            workspaceId,
            event.seq,
            message.conversation_id,
            message.sender.id,
            at,
            await sla(),
          );
      } else if (event.type === 'conversation.updated') {
        await flush();
        const { conversation, changes } = (event as Updated).payload;
        const teamId = conversation.team?.id ?? null;
        if (changes.includes('status') && conversation.status === 'resolved')
          await this.resolved(workspaceId, event, conversation.assignee?.id ?? null, teamId, await sla());
        else if (changes.includes('team')) await this.movedTeam(workspaceId, event, teamId);
      }
    }
    await flush();
  }

  /**
   * Customers' messages with nothing else between them. Only a conversation's first one among them
   * can start a cycle: the later ones find that cycle, or the one already open (no resolution came
   * between, or they would not be in one run).
   */
  private async asked(workspaceId: string, asks: Ask[], contexts: SlaContexts): Promise<void> {
    const firsts = new Map<string, Ask>();
    for (const ask of asks) if (!firsts.has(ask.conversationId)) firsts.set(ask.conversationId, ask);
    const candidates = [...firsts.values()];
    const started: { conversation_id: string }[] = await this.db.query(
      `INSERT INTO conversation_cycle (workspace_id, conversation_id, channel_id, team_id, start_message_id, start_seq, started_at)
       SELECT c.workspace_id, c.id, c.channel_id, c.team_id, k.message_id, k.seq, k.at
         FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::timestamptz[]) AS k(conversation_id, message_id, seq, at)
         JOIN conversation c ON c.workspace_id = $1 AND c.id = k.conversation_id
        WHERE NOT EXISTS (SELECT 1 FROM conversation_cycle y
                           WHERE y.conversation_id = c.id AND y.start_seq < k.seq
                             AND (y.resolved_seq IS NULL OR y.resolved_seq > k.seq))
       ON CONFLICT (start_message_id) DO NOTHING RETURNING conversation_id`,
      [
        workspaceId,
        candidates.map((a) => a.conversationId),
        candidates.map((a) => a.messageId),
        candidates.map((a) => a.seq),
        candidates.map((a) => a.at),
      ],
    );
    if (!contexts.anyEnabled) return;
    const opened = new Set(started.map((r) => r.conversation_id));
    for (const ask of asks) {
      if (ask.withBot) continue;
      if (opened.has(ask.conversationId) && firsts.get(ask.conversationId) === ask) {
        await this.sla.change(workspaceId, ask.conversationId, contexts, (state, context) =>
          context.policy.enabled
            ? restart(
                restart(
                  restart(
                    state,
                    'first_response',
                    this.sla.dueAfter(context, ask.at, context.policy.first_response_minutes),
                  ),
                  'next_response',
                  null,
                ),
                'resolution',
                this.sla.dueAfter(context, ask.at, context.policy.resolution_minutes),
              )
            : state,
        );
        continue;
      }
      // Asked again in an open cycle an agent has answered: the next response is due.
      const [answered]: { id: string }[] = await this.db.query(
        `SELECT id FROM conversation_cycle
          WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3 AND (resolved_seq IS NULL OR resolved_seq > $3)
            AND first_response_at IS NOT NULL AND first_response_at <= $4`,
        [workspaceId, ask.conversationId, ask.seq, ask.at],
      );
      if (answered)
        await this.sla.change(workspaceId, ask.conversationId, contexts, (state, { policy, hours }) =>
          state.next_response || !policy.enabled || policy.next_response_minutes === null
            ? state
            : restart(
                state,
                'next_response',
                this.sla.dueAfter({ policy, hours }, ask.at, policy.next_response_minutes),
              ),
        );
    }
  }

  private async answered(
    workspaceId: string,
    seq: number,
    conversationId: string,
    agentId: string,
    at: Date,
    contexts: SlaContexts,
  ): Promise<void> {
    await this.db.query(
      `UPDATE conversation_cycle SET first_response_at = $4, first_responder_id = $5
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3
          AND (resolved_seq IS NULL OR resolved_seq > $3) AND first_response_at IS NULL`,
      [workspaceId, conversationId, seq, at, agentId],
    );
    if (contexts.anyEnabled)
      await this.sla.change(workspaceId, conversationId, contexts, (state) => ({
        ...state,
        first_response: null,
        next_response: null,
      }));
  }

  /**
   * The open cycle follows its conversation to another team. The team is looked up, not trusted: one
   * deleted since the event is no team.
   */
  private async movedTeam(workspaceId: string, event: PublishedEvent, teamId: string | null) {
    await this.db.query(
      `UPDATE conversation_cycle SET team_id = (SELECT t.id FROM team t WHERE t.workspace_id = $1 AND t.id = $4)
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3
          AND (resolved_seq IS NULL OR resolved_seq > $3)`,
      [workspaceId, event.conversation_id, event.seq, teamId],
    );
  }

  private async resolved(
    workspaceId: string,
    event: PublishedEvent,
    assigneeId: string | null,
    teamId: string | null,
    contexts: SlaContexts,
  ) {
    await this.db.query(
      `UPDATE conversation_cycle SET resolved_seq = $3, resolved_at = $4, assignee_id = $5,
              team_id = (SELECT t.id FROM team t WHERE t.workspace_id = $1 AND t.id = $6)
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3 AND resolved_seq IS NULL`,
      [workspaceId, event.conversation_id, event.seq, new Date(event.created_at), assigneeId, teamId],
    );
    // Cleared whatever the policy says now: deadlines set under an earlier policy end with the cycle too.
    await this.sla.change(workspaceId, event.conversation_id!, contexts, () => ({
      first_response: null,
      next_response: null,
      resolution: null,
      warned: [],
      breached: [],
    }));
  }
}
