import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SAVED_VIEWS_MAX, type SavedViewView, type SearchQuery } from '@parley/contract/search';
import { AppError, forbidden, notFound } from '@parley/errors/app-error';
import type { AuthAgent } from '../services/token.service';

interface SavedViewRow {
  id: string;
  name: string;
  query: SearchQuery;
  shared: boolean;
  agent_id: string;
  created_at: Date;
}

const toSavedView = (row: SavedViewRow): SavedViewView => ({
  id: row.id,
  name: row.name,
  query: row.query,
  shared: row.shared,
  agent_id: row.agent_id,
  created_at: row.created_at.toISOString(),
});

/** Searches an agent saved under a name; an admin may share one with every agent of the workspace. */
@Injectable()
export class SavedViewService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The agent's own views, then the workspace's shared ones, each oldest first. */
  async list(workspaceId: string, agentId: string): Promise<SavedViewView[]> {
    const rows: SavedViewRow[] = await this.db.query(
      `SELECT id, name, query, shared, agent_id, created_at FROM saved_view
        WHERE workspace_id = $1 AND (agent_id = $2 OR shared)
        ORDER BY (agent_id = $2) DESC, created_at, id`,
      [workspaceId, agentId],
    );
    return rows.map(toSavedView);
  }

  async create(
    workspaceId: string,
    agent: AuthAgent,
    input: { name: string; query: SearchQuery; shared: boolean },
  ): Promise<SavedViewView> {
    if (input.shared && agent.role !== 'admin') throw new AppError('view_share_admin_only', 403);
    return this.db.transaction(async (manager) => {
      // One agent's views are counted under a lock on the agent, so two saves cannot pass the limit together.
      await manager.query('SELECT 1 FROM agent WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
        workspaceId,
        agent.id,
      ]);
      const [{ count }]: { count: number }[] = await manager.query(
        'SELECT count(*)::int AS count FROM saved_view WHERE workspace_id = $1 AND agent_id = $2',
        [workspaceId, agent.id],
      );
      if (count >= SAVED_VIEWS_MAX) throw new AppError('view_limit_reached', 409, { max: SAVED_VIEWS_MAX });
      const [row]: SavedViewRow[] = await manager.query(
        `INSERT INTO saved_view (workspace_id, agent_id, name, query, shared) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, query, shared, agent_id, created_at`,
        [workspaceId, agent.id, input.name, JSON.stringify(input.query), input.shared],
      );
      return toSavedView(row);
    });
  }

  /** Its owner deletes a view; an admin also deletes any shared one. */
  async delete(workspaceId: string, agent: AuthAgent, id: string): Promise<void> {
    const [row]: Pick<SavedViewRow, 'agent_id' | 'shared'>[] = await this.db.query(
      'SELECT agent_id, shared FROM saved_view WHERE workspace_id = $1 AND id = $2 AND (agent_id = $3 OR shared)',
      [workspaceId, id, agent.id],
    );
    if (!row) throw notFound('saved_view');
    if (row.agent_id !== agent.id && agent.role !== 'admin') throw forbidden();
    await this.db.query('DELETE FROM saved_view WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
  }
}
