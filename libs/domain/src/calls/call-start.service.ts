import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallStartView } from '@parley/contract/calls';
import { AppError, notFound } from '@parley/errors/app-error';
import { CALL_COLUMNS, CallRow } from './call.presenter';
import { CallStateService } from './call-state.service';

/** Who places a call: an agent, or a customer from a call link (then the conversation is given). */
export interface Caller {
  kind: 'agent' | 'contact';
  id: string;
  name: string | null;
}

/** Whom: an agent, or a conversation (its assignee, unless an agent is named too). */
export interface CallTarget {
  agentId?: string | null;
  conversationId?: string | null;
}

/**
 * Places a call: it rings the callee, or is stored `busy` at once when the callee is already in a
 * ringing or active call. Both parties are locked (advisory, per party, in a fixed order) while
 * that is checked, so two calls to one agent at the same instant cannot both ring.
 */
@Injectable()
export class CallStartService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly state: CallStateService,
  ) {}

  async start(workspaceId: string, caller: Caller, target: CallTarget): Promise<CallStartView> {
    if (!target.agentId && !target.conversationId) throw new AppError('call_target_required', 400);
    return this.db.transaction(async (manager) => {
      let calleeId = target.agentId ?? null;
      if (target.conversationId) {
        const [conversation]: { assignee_id: string | null; contact_id: string }[] = await manager.query(
          `SELECT assignee_id, contact_id FROM conversation WHERE workspace_id = $1 AND id = $2`,
          [workspaceId, target.conversationId],
        );
        if (!conversation) throw notFound('conversation');
        // A customer calls only from their own conversation.
        if (caller.kind === 'contact' && conversation.contact_id !== caller.id)
          throw notFound('conversation');
        calleeId ??= conversation.assignee_id;
        if (!calleeId || calleeId === caller.id) throw new AppError('call_no_callee', 400);
      }
      if (calleeId === caller.id) throw new AppError('call_self', 400);
      const [callee]: { id: string; name: string }[] = await manager.query(
        `SELECT id, name FROM agent WHERE workspace_id = $1 AND id = $2 AND deactivated_at IS NULL
            AND password_hash IS NOT NULL`,
        [workspaceId, calleeId],
      );
      if (!callee) throw notFound('agent');

      for (const party of [caller.id, callee.id].sort())
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('call-party'), hashtext($1))`, [party]);
      if (await this.inCall(manager, workspaceId, caller.id)) throw new AppError('call_caller_busy', 409);
      const busy = await this.inCall(manager, workspaceId, callee.id);

      // Milliseconds: the history's cursor carries started_at as JSON, which keeps no more.
      const [row]: CallRow[] = await manager.query(
        `INSERT INTO call (workspace_id, caller_agent_id, caller_contact_id, caller_name, callee_agent_id,
                           callee_name, conversation_id, status, started_at, ring_expires_at, ended_at, end_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::varchar, date_trunc('milliseconds', now()), now() + make_interval(secs => $9),
                 CASE WHEN $8::varchar = 'busy' THEN now() END, CASE WHEN $8::varchar = 'busy' THEN 'busy' END)
         RETURNING ${CALL_COLUMNS}`,
        [
          workspaceId,
          caller.kind === 'agent' ? caller.id : null,
          caller.kind === 'contact' ? caller.id : null,
          caller.name,
          callee.id,
          callee.name,
          target.conversationId ?? null,
          busy ? 'busy' : 'ringing',
          this.config.calls.ringTimeoutSeconds,
        ],
      );
      await this.state.record(manager, row);
      return { call_id: row.id, status: row.status };
    });
  }

  /** Whether the party (agent or contact) is in a ringing or active call. */
  private async inCall(manager: EntityManager, workspaceId: string, partyId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM call WHERE workspace_id = $1 AND status IN ('ringing', 'active')
          AND $2 IN (caller_agent_id, caller_contact_id, callee_agent_id) LIMIT 1`,
      [workspaceId, partyId],
    );
    return rows.length > 0;
  }
}
