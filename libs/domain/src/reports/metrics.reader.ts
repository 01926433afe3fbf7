import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import { EventLog, EventReader } from '../events/event-log';
import { restart } from './sla';
import { SlaContext, SlaService } from './sla.service';

type Created = PublishedEvent<Extract<DomainEvent, { type: 'message.created' }>>;
type Updated = PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>;

/**
 * The event log's `metrics` reader keeps what reports and SLAs are computed from, so neither reads
 * the message table:
 * - a `conversation_cycle` per time a conversation is asked: started by the customer's message
 *   that finds no open cycle, first answered by an agent's reply (not Parley's automatic ones, nor
 *   a bot's), ended by the resolution;
 * - the SLA deadlines on the conversation (first response and resolution from the cycle's start,
 *   next response from a customer's message after an agent's answer), cleared as they are met.
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
    let context: SlaContext | null = null;
    const sla = async () => (context ??= await this.sla.contextOf(workspaceId));
    for (const event of events) {
      if (event.type === 'message.created') {
        const { message, bot } = (event as Created).payload;
        const at = new Date(message.created_at);
        if (message.type === 'customer')
          await this.asked(
            workspaceId,
            event.seq,
            message.conversation_id,
            message.id,
            at,
            await sla(),
            !!bot,
          );
        else if (message.type === 'support' && message.sender?.kind === 'agent')
          await this.answered(
            workspaceId,
            event.seq,
            message.conversation_id,
            message.sender.id,
            at,
            await sla(),
          );
      } else if (event.type === 'conversation.updated') {
        const { conversation, changes } = (event as Updated).payload;
        if (changes.includes('status') && conversation.status === 'resolved')
          await this.resolved(workspaceId, event, conversation.assignee?.id ?? null, await sla());
      }
    }
  }

  private async asked(
    workspaceId: string,
    seq: number,
    conversationId: string,
    messageId: string,
    at: Date,
    context: SlaContext,
    /** A bot is handling the conversation: no SLA runs for people yet. */
    withBot: boolean,
  ): Promise<void> {
    const started: unknown[] = await this.db.query(
      `INSERT INTO conversation_cycle (workspace_id, conversation_id, channel_id, start_message_id, start_seq, started_at)
       SELECT c.workspace_id, c.id, c.channel_id, $3, $4, $5 FROM conversation c
        WHERE c.workspace_id = $1 AND c.id = $2
          AND NOT EXISTS (SELECT 1 FROM conversation_cycle y
                           WHERE y.conversation_id = c.id AND y.start_seq < $4 AND (y.resolved_seq IS NULL OR y.resolved_seq > $4))
       ON CONFLICT (start_message_id) DO NOTHING RETURNING id`,
      [workspaceId, conversationId, messageId, seq, at],
    );
    const { policy } = context;
    if (!policy.enabled || withBot) return;
    if (started.length) {
      await this.sla.change(workspaceId, conversationId, context, (state) =>
        restart(
          restart(
            restart(state, 'first_response', this.sla.dueAfter(context, at, policy.first_response_minutes)),
            'next_response',
            null,
          ),
          'resolution',
          this.sla.dueAfter(context, at, policy.resolution_minutes),
        ),
      );
      return;
    }
    // Asked again in an open cycle an agent has answered: the next response is due.
    const [answered]: { id: string }[] = await this.db.query(
      `SELECT id FROM conversation_cycle
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3 AND (resolved_seq IS NULL OR resolved_seq > $3)
          AND first_response_at IS NOT NULL AND first_response_at <= $4`,
      [workspaceId, conversationId, seq, at],
    );
    if (answered && policy.next_response_minutes !== null)
      await this.sla.change(workspaceId, conversationId, context, (state) =>
        state.next_response
          ? state
          : restart(state, 'next_response', this.sla.dueAfter(context, at, policy.next_response_minutes)),
      );
  }

  private async answered(
    workspaceId: string,
    seq: number,
    conversationId: string,
    agentId: string,
    at: Date,
    context: SlaContext,
  ): Promise<void> {
    await this.db.query(
      `UPDATE conversation_cycle SET first_response_at = $4, first_responder_id = $5
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3
          AND (resolved_seq IS NULL OR resolved_seq > $3) AND first_response_at IS NULL`,
      [workspaceId, conversationId, seq, at, agentId],
    );
    if (context.policy.enabled)
      await this.sla.change(workspaceId, conversationId, context, (state) => ({
        ...state,
        first_response: null,
        next_response: null,
      }));
  }

  private async resolved(
    workspaceId: string,
    event: PublishedEvent,
    assigneeId: string | null,
    context: SlaContext,
  ) {
    await this.db.query(
      `UPDATE conversation_cycle SET resolved_seq = $3, resolved_at = $4, assignee_id = $5
        WHERE workspace_id = $1 AND conversation_id = $2 AND start_seq < $3 AND resolved_seq IS NULL`,
      [workspaceId, event.conversation_id, event.seq, new Date(event.created_at), assigneeId],
    );
    // Cleared whatever the policy says now: deadlines set under an earlier policy end with the cycle too.
    await this.sla.change(workspaceId, event.conversation_id!, context, () => ({
      first_response: null,
      next_response: null,
      resolution: null,
      warned: [],
      breached: [],
    }));
  }
}
