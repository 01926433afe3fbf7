import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RoutingMode, TeamView } from '@parley/contract/teams';
import { AppError, notFound } from '@parley/errors/app-error';
import { isUniqueViolation } from './postgres-errors';

interface TeamRow {
  id: string;
  name: string;
  description: string | null;
  routing: RoutingMode;
  max_open_per_agent: number | null;
  members: { id: string; name: string }[];
  created_at: Date;
  updated_at: Date;
}

export interface TeamInput {
  name?: string;
  description?: string | null;
  routing?: RoutingMode;
  max_open_per_agent?: number | null;
  /** The whole membership, replacing the old one. */
  agent_ids?: string[];
}

const SELECT = `
  SELECT t.id, t.name, t.description, t.routing, t.max_open_per_agent, t.created_at, t.updated_at,
         coalesce((SELECT json_agg(json_build_object('id', a.id, 'name', a.name) ORDER BY lower(a.name), a.id)
                     FROM team_member m JOIN agent a ON a.id = m.agent_id
                    WHERE m.team_id = t.id), '[]'::json) AS members
    FROM team t WHERE t.workspace_id = $1`;

const toTeamView = (row: TeamRow): TeamView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  routing: row.routing,
  max_open_per_agent: row.max_open_per_agent,
  members: row.members,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** The workspace's teams and their members; a team's routing is RoutingService's. */
@Injectable()
export class TeamService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(workspaceId: string): Promise<TeamView[]> {
    const rows: TeamRow[] = await this.db.query(`${SELECT} ORDER BY lower(t.name), t.id`, [workspaceId]);
    return rows.map(toTeamView);
  }

  async get(workspaceId: string, id: string, manager: EntityManager = this.db.manager): Promise<TeamView> {
    const [row]: TeamRow[] = await manager.query(`${SELECT} AND t.id = $2`, [workspaceId, id]);
    if (!row) throw notFound('team');
    return toTeamView(row);
  }

  async create(workspaceId: string, input: TeamInput & { name: string }): Promise<TeamView> {
    const routing = input.routing ?? 'none';
    const max = input.max_open_per_agent ?? null;
    if (routing === 'capacity' && !max) throw new AppError('team_capacity_required', 400);
    return this.write(async (manager) => {
      const [{ id }]: { id: string }[] = await manager.query(
        `INSERT INTO team (workspace_id, name, description, routing, max_open_per_agent)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [workspaceId, input.name.trim(), input.description?.trim() || null, routing, max],
      );
      if (input.agent_ids) await this.setMembers(manager, workspaceId, id, input.agent_ids);
      return this.get(workspaceId, id, manager);
    });
  }

  async update(workspaceId: string, id: string, input: TeamInput): Promise<TeamView> {
    return this.write(async (manager) => {
      const [current]: { routing: RoutingMode; max_open_per_agent: number | null }[] = await manager.query(
        `SELECT routing, max_open_per_agent FROM team WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
        [workspaceId, id],
      );
      if (!current) throw notFound('team');
      const routing = input.routing ?? current.routing;
      const max =
        input.max_open_per_agent === undefined ? current.max_open_per_agent : input.max_open_per_agent;
      if (routing === 'capacity' && !max) throw new AppError('team_capacity_required', 400);
      await manager.query(
        `UPDATE team SET name = coalesce($3, name),
                description = CASE WHEN $4::boolean THEN $5 ELSE description END,
                routing = $6, max_open_per_agent = $7, updated_at = now()
          WHERE workspace_id = $1 AND id = $2`,
        [
          workspaceId,
          id,
          input.name?.trim() ?? null,
          input.description !== undefined,
          input.description?.trim() || null,
          routing,
          max,
        ],
      );
      if (input.agent_ids) await this.setMembers(manager, workspaceId, id, input.agent_ids);
      return this.get(workspaceId, id, manager);
    });
  }

  /** Its conversations and channels stay, in no team. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const [, count]: [unknown, number] = await this.db.query(
      `DELETE FROM team WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    if (!count) throw notFound('team');
  }

  private async setMembers(manager: EntityManager, workspaceId: string, teamId: string, agentIds: string[]) {
    const ids = [...new Set(agentIds.map((a) => a.toLowerCase()))];
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM agent WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND deactivated_at IS NULL`,
      [workspaceId, ids],
    );
    const found = new Set(rows.map((r) => r.id));
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length)
      throw new AppError('team_agent_unknown', 404, { ids: unknown.join(', ') }, { agent_ids: unknown });
    await manager.query(`DELETE FROM team_member WHERE team_id = $1 AND NOT (agent_id = ANY($2::uuid[]))`, [
      teamId,
      ids,
    ]);
    await manager.query(
      `INSERT INTO team_member (team_id, agent_id, workspace_id) SELECT $1, unnest($2::uuid[]), $3
       ON CONFLICT DO NOTHING`,
      [teamId, ids, workspaceId],
    );
  }

  private async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error, 'team_workspace_name_uq')) throw new AppError('team_name_taken', 409);
      throw error;
    }
  }
}
