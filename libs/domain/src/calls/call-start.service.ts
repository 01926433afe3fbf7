import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallStartView, VisitorCallView } from '@parley/contract/calls';
import { AppError, notFound } from '@parley/errors/app-error';
import { CALL_COLUMNS, CallRow } from './call.presenter';
import { CallStateService } from './call-state.service';
import { VisitorPresenceService } from './visitor-presence.service';

/** Who places a call: an agent, or a customer from a call link (then the conversation is given). */
export interface Caller {
  kind: 'agent' | 'contact';
  id: string;
  name: string | null;
}

/**
 * Whom: an agent, or a conversation (its assignee, unless an agent is named too); with
 * `callee: 'contact'`, the conversation's customer: a website visitor on the site now.
 */
export interface CallTarget {
  agentId?: string | null;
  conversationId?: string | null;
  callee?: 'agent' | 'contact';
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
    private readonly visitors: VisitorPresenceService,
  ) {}

  async start(workspaceId: string, caller: Caller, target: CallTarget): Promise<CallStartView> {
    if (target.callee === 'contact') return this.callVisitor(workspaceId, caller, target);
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
      return this.insert(
        manager,
        workspaceId,
        caller,
        { kind: 'agent', ...callee },
        target.conversationId ?? null,
      );
    });
  }

  /** What the dashboard's "Call visitor" shows: offered on web conversations, enabled while the visitor is there. */
  async visitorStatus(workspaceId: string, conversationId: string): Promise<VisitorCallView> {
    const conversation = await this.visitorConversation(this.db.manager, workspaceId, conversationId);
    return {
      web: conversation.channel_type === 'web',
      online: conversation.channel_type === 'web' && (await this.visitors.online(conversationId)),
    };
  }

  /**
   * An agent calls a web conversation's visitor back: only on a website conversation (other
   * platforms' customers get call links), only while the visitor has the widget open; stored
   * `busy` when the visitor is in another call already.
   */
  private async callVisitor(workspaceId: string, caller: Caller, target: CallTarget): Promise<CallStartView> {
    if (caller.kind !== 'agent' || !target.conversationId) throw new AppError('call_target_required', 400);
    const conversationId = target.conversationId;
    return this.db.transaction(async (manager) => {
      const conversation = await this.visitorConversation(manager, workspaceId, conversationId);
      if (conversation.channel_type !== 'web') throw new AppError('call_visitor_not_web', 400);
      if (!(await this.visitors.online(conversationId))) throw new AppError('call_visitor_offline', 409);
      const callee = { kind: 'contact' as const, id: conversation.contact_id, name: conversation.name };
      return this.insert(manager, workspaceId, caller, callee, conversationId);
    });
  }

  /** The conversation with its channel's type and its customer as calls name it ("Visitor 4F2A" when nameless). */
  private async visitorConversation(manager: EntityManager, workspaceId: string, conversationId: string) {
    const [row]: { contact_id: string; channel_type: string; name: string }[] = await manager.query(
      `SELECT c.contact_id, ch.type AS channel_type,
              coalesce(ct.name, ct.username, ct.phone, ct.email, 'Visitor ' || upper(left(ct.id::text, 4))) AS name
         FROM conversation c JOIN channel ch ON ch.id = c.channel_id JOIN contact ct ON ct.id = c.contact_id
        WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, conversationId],
    );
    if (!row) throw notFound('conversation');
    return row;
  }

  /**
   * Both parties locked, then the call stored: ringing, or `busy` when the callee is in another
   * call (the caller being in one is refused).
   */
  private async insert(
    manager: EntityManager,
    workspaceId: string,
    caller: Caller,
    callee: Caller,
    conversationId: string | null,
  ): Promise<CallStartView> {
    for (const party of [caller.id, callee.id].sort())
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('call-party'), hashtext($1))`, [party]);
    if (await this.inCall(manager, workspaceId, caller.id)) throw new AppError('call_caller_busy', 409);
    const busy = await this.inCall(manager, workspaceId, callee.id);

    // Milliseconds: the history's cursor carries started_at as JSON, which keeps no more.
    const [row]: CallRow[] = await manager.query(
      `INSERT INTO call (workspace_id, caller_agent_id, caller_contact_id, caller_name, callee_agent_id, callee_contact_id,
                         callee_name, conversation_id, status, started_at, ring_expires_at, ended_at, end_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::varchar, date_trunc('milliseconds', now()), now() + make_interval(secs => $10),
               CASE WHEN $9::varchar = 'busy' THEN now() END, CASE WHEN $9::varchar = 'busy' THEN 'busy' END)
       RETURNING ${CALL_COLUMNS}`,
      [
        workspaceId,
        caller.kind === 'agent' ? caller.id : null,
        caller.kind === 'contact' ? caller.id : null,
        caller.name,
        callee.kind === 'agent' ? callee.id : null,
        callee.kind === 'contact' ? callee.id : null,
        callee.name,
        conversationId,
        busy ? 'busy' : 'ringing',
        this.config.calls.ringTimeoutSeconds,
      ],
    );
    await this.state.record(manager, row);
    return { call_id: row.id, status: row.status };
  }

  /** Whether the party (agent or contact) is in a ringing or active call. */
  private async inCall(manager: EntityManager, workspaceId: string, partyId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM call WHERE workspace_id = $1 AND status IN ('ringing', 'active')
          AND $2 IN (caller_agent_id, caller_contact_id, callee_agent_id, callee_contact_id) LIMIT 1`,
      [workspaceId, partyId],
    );
    return rows.length > 0;
  }
}
