import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { FINAL_CALL_STATUSES } from '@parley/contract/calls';
import { AppError, notFound } from '@parley/errors/app-error';
import { BotHandoffService } from '../services/bot-handoff.service';
import { EventService } from '../services/event.service';
import { CALL_COLUMNS, CallRow, callTimelineText, toCallView } from './call.presenter';

/** Who acts on a call: an agent, or a call-link customer (a contact). */
export interface CallActor {
  kind: 'agent' | 'contact';
  id: string;
}

/**
 * Every change of a call's state after it starts. Each is one conditional UPDATE (`… WHERE
 * status = 'ringing'`), so concurrent accepts, a reject racing the ring timeout, or a hang-up
 * racing an accept leave exactly one winner; the winner writes `call.updated` in the same
 * transaction, and a call that ended about a conversation leaves a line in its timeline.
 */
@Injectable()
export class CallStateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly timeline: BotHandoffService,
  ) {}

  /** The callee (an agent, or a visitor an agent called back) answers: only while it rings, and only the callee. */
  accept(workspaceId: string, calleeId: string, callId: string): Promise<CallRow> {
    return this.move(
      workspaceId,
      callId,
      { kind: 'agent', id: calleeId },
      `status = 'active', answered_at = now()`,
      `status = 'ringing' AND $3 IN (callee_agent_id, callee_contact_id)`,
      'call_not_ringing',
    );
  }

  /** The callee declines: the caller hears `rejected`. */
  reject(workspaceId: string, calleeId: string, callId: string): Promise<CallRow> {
    return this.move(
      workspaceId,
      callId,
      { kind: 'agent', id: calleeId },
      `status = 'rejected', ended_at = now(), ended_by = $3, end_reason = 'rejected'`,
      `status = 'ringing' AND $3 IN (callee_agent_id, callee_contact_id)`,
      'call_not_ringing',
    );
  }

  /**
   * Either party ends it: an active call `ended` (or `failed` when the party's browser found no
   * media path), a ringing one `cancelled` by its caller or `rejected` by its callee.
   */
  hangup(workspaceId: string, actor: CallActor, callId: string, failed = false): Promise<CallRow> {
    const isCaller = `$3 IN (caller_agent_id, caller_contact_id)`;
    return this.move(
      workspaceId,
      callId,
      actor,
      `status = CASE WHEN status = 'active' AND ${failed} THEN 'failed' WHEN status = 'active' THEN 'ended'
                     WHEN ${isCaller} THEN 'cancelled' ELSE 'rejected' END,
       end_reason = CASE WHEN status = 'active' AND ${failed} THEN 'media_failed' WHEN status = 'active' THEN 'hangup'
                         WHEN ${isCaller} THEN 'cancelled' ELSE 'rejected' END,
       duration_seconds = CASE WHEN status = 'active'
                               THEN greatest(0, round(extract(epoch FROM now() - answered_at)))::int END,
       ended_at = now(), ended_by = $3`,
      `status IN ('ringing', 'active') AND ${actor.kind === 'agent' ? `$3 IN (caller_agent_id, callee_agent_id)` : `$3 IN (caller_contact_id, callee_contact_id)`}`,
      'call_not_active',
    );
  }

  /** Rang out unanswered (the sweeper, on any instance; the condition makes one of them win). */
  async expire(workspaceId: string, callId: string): Promise<CallRow | null> {
    return this.db.transaction(async (manager) => {
      const [row] = await this.update(
        manager,
        `status = 'missed', ended_at = now(), end_reason = 'no_answer'`,
        `workspace_id = $1 AND id = $2 AND status = 'ringing' AND ring_expires_at <= now()`,
        [workspaceId, callId],
      );
      if (row) await this.record(manager, row);
      return row ?? null;
    });
  }

  /** An active call nobody hung up for `maxMinutes` (both browsers gone without a word): ended. */
  async endStale(workspaceId: string, callId: string, maxMinutes: number): Promise<CallRow | null> {
    return this.db.transaction(async (manager) => {
      const [row] = await this.update(
        manager,
        `status = 'ended', ended_at = now(), end_reason = 'stale',
         duration_seconds = greatest(0, round(extract(epoch FROM now() - answered_at)))::int`,
        `workspace_id = $1 AND id = $2 AND status = 'active' AND answered_at <= now() - make_interval(mins => $3)`,
        [workspaceId, callId, maxMinutes],
      );
      if (row) await this.record(manager, row);
      return row ?? null;
    });
  }

  /** Writes `call.updated` (and, when it ended about a conversation, its timeline line). */
  async record(manager: EntityManager, row: CallRow): Promise<void> {
    const call = toCallView(row);
    if (row.conversation_id && FINAL_CALL_STATUSES.includes(row.status)) {
      const [conversation]: { channel_id: string }[] = await manager.query(
        `SELECT channel_id FROM conversation WHERE workspace_id = $1 AND id = $2`,
        [row.workspace_id, row.conversation_id],
      );
      if (conversation)
        await this.timeline.systemMessage(
          manager,
          row.workspace_id,
          row.conversation_id,
          conversation.channel_id,
          callTimelineText(call),
        );
    }
    await this.events.append(manager, row.workspace_id, {
      type: 'call.updated',
      conversationId: null,
      payload: { call },
    });
  }

  private async move(
    workspaceId: string,
    callId: string,
    actor: CallActor,
    set: string,
    condition: string,
    refusal: 'call_not_ringing' | 'call_not_active',
  ): Promise<CallRow> {
    return this.db.transaction(async (manager) => {
      const [row] = await this.update(manager, set, `workspace_id = $1 AND id = $2 AND ${condition}`, [
        workspaceId,
        callId,
        actor.id,
      ]);
      if (row) {
        await this.record(manager, row);
        return row;
      }
      // Lost the race, or it was never this actor's call: tell the two apart only to its parties.
      const [party]: { id: string }[] = await manager.query(
        `SELECT id FROM call WHERE workspace_id = $1 AND id = $2
            AND $3 IN (caller_agent_id, caller_contact_id, callee_agent_id, callee_contact_id)`,
        [workspaceId, callId, actor.id],
      );
      if (!party) throw notFound('call');
      throw new AppError(refusal, 409);
    });
  }

  private async update(
    manager: EntityManager,
    set: string,
    where: string,
    params: unknown[],
  ): Promise<CallRow[]> {
    const [rows]: [CallRow[], number] = await manager.query(
      `UPDATE call SET ${set} WHERE ${where} RETURNING ${CALL_COLUMNS}`,
      params,
    );
    return rows;
  }
}
