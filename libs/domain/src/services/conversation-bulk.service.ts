import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BulkAction, BulkRequest, BulkResult } from '@parley/contract/bulk-actions';
import type { ConversationChange, ConversationStatus } from '@parley/contract/views';
import { AppError, notFound } from '@parley/errors/app-error';
import { AgentService } from './agent.service';
import { BotHandoffService, takeoverCause } from './bot-handoff.service';
import { ConversationService } from './conversation.service';
import { LabelService } from './label.service';
import { agentIdOf, type AuthAgent } from './token.service';

const needs = (action: BulkAction, field: string) =>
  new AppError('bulk_action_invalid', 400, { action, field });

/**
 * One action on many conversations of the workspace, in one transaction: every id must be the
 * workspace's (otherwise nothing changes, and the unknown ids are named), and each conversation that
 * changed gets its own `conversation.updated`, so open inboxes hear it as if done one by one.
 */
@Injectable()
export class ConversationBulkService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly conversations: ConversationService,
    private readonly labels: LabelService,
    private readonly agents: AgentService,
    private readonly handoff: BotHandoffService,
  ) {}

  async apply(workspaceId: string, actor: AuthAgent, request: BulkRequest): Promise<BulkResult> {
    const ids = [...new Set(request.conversation_ids.map((id) => id.toLowerCase()))];
    const { action } = request;
    if ((action === 'label' || action === 'unlabel') && !request.label_ids?.length)
      throw needs(action, 'label_ids');
    if (action === 'assign' && !request.agent_id && !request.team_id) throw needs(action, 'agent_id');
    const assignee = request.agent_id ? await this.agents.findActive(workspaceId, request.agent_id) : null;
    if (request.agent_id && !assignee) throw new AppError('assignee_not_found', 404);
    if (action === 'assign' && request.team_id) {
      const [team]: unknown[] = await this.db.query(
        `SELECT 1 FROM team WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, request.team_id],
      );
      if (!team) throw notFound('team');
    }

    return this.db.transaction(async (manager) => {
      const rows = await this.conversations.lockShared(manager, workspaceId, ids);
      if (rows.length !== ids.length) {
        const found = new Set(rows.map((r) => r.id));
        const missing = ids.filter((id) => !found.has(id));
        throw new AppError('bulk_conversations_not_found', 404, { count: missing.length }, { missing });
      }
      const changed = new Map<string, ConversationChange[]>();
      const mark = (id: string, change: ConversationChange) =>
        changed.set(id, [...(changed.get(id) ?? []), change]);

      if (action === 'label' || action === 'unlabel') {
        const touched = await this.labels.applyToConversations(
          manager,
          workspaceId,
          ids,
          request.label_ids ?? [],
          action === 'label',
        );
        for (const id of touched) mark(id, 'labels');
      } else if (action === 'resolve' || action === 'reopen') {
        const status: ConversationStatus = action === 'resolve' ? 'resolved' : 'open';
        const moved: { id: string }[] = (
          await manager.query(
            `UPDATE conversation SET status = $3, updated_at = now()
              WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND status <> $3 RETURNING id`,
            [workspaceId, ids, status],
          )
        )[0];
        for (const { id } of moved) mark(id, 'status');
      } else if (action === 'unassign') {
        const moved: { id: string }[] = (
          await manager.query(
            `UPDATE conversation SET assignee_id = NULL, updated_at = now()
              WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND assignee_id IS NOT NULL RETURNING id`,
            [workspaceId, ids],
          )
        )[0];
        for (const { id } of moved) mark(id, 'assignee');
      } else {
        // A bot's conversation taken over in bulk: the bot stops, and its timeline says who took
        // it, exactly as for one assignment (the release tells the lists itself).
        if (assignee)
          for (const row of rows.filter((r) => r.bot_id))
            await this.handoff.release(
              manager,
              workspaceId,
              row,
              takeoverCause(actor),
              agentIdOf(actor),
              false,
            );
        if (request.team_id) {
          const moved: { id: string }[] = (
            await manager.query(
              `UPDATE conversation SET team_id = $3, updated_at = now()
                WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND team_id IS DISTINCT FROM $3 RETURNING id`,
              [workspaceId, ids, request.team_id],
            )
          )[0];
          for (const { id } of moved) mark(id, 'team');
        }
        if (assignee) {
          const moved: { id: string }[] = (
            await manager.query(
              `UPDATE conversation SET assignee_id = $3, updated_at = now(),
                      status = CASE WHEN status = 'open' THEN 'support_active' ELSE status END
                WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND assignee_id IS DISTINCT FROM $3 RETURNING id`,
              [workspaceId, ids, assignee.id],
            )
          )[0];
          for (const { id } of moved) mark(id, 'assignee');
        }
      }
      for (const [id, changes] of changed)
        await this.conversations.recordUpdate(manager, workspaceId, agentIdOf(actor), id, changes);
      return { action, updated: changed.size };
    });
  }
}
