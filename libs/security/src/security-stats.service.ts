import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type {
  AgentActivity,
  AppActivity,
  AgentWsStats,
  InstanceSecuritySummary,
  SecurityEventView,
  SecuritySummary,
  WsStats,
} from '@parley/contract/security';
import { notFound } from '@parley/errors/app-error';
import { ConnectionSlots } from './connection-slots';
import { IpGuardService } from './ip-guard.service';
import { RateLimitService } from './rate-limit.service';

type Figures = Omit<SecuritySummary, 'hours' | 'blacklisted_now' | 'counts_by_kind'>;
type EventFigures = Pick<Figures, 'top_ips' | 'top_agents' | 'over_time'> & {
  counts: SecuritySummary['counts_by_kind'];
};

/** What admins read about their own workspace's security. Every query is scoped to the workspace. */
@Injectable()
export class SecurityStatsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly guard: IpGuardService,
    private readonly slots: ConnectionSlots,
    private readonly rateLimits: RateLimitService,
  ) {}

  async summary(workspaceId: string, hours: number): Promise<SecuritySummary> {
    const { counts, ...rest } = await this.eventFigures('workspace_id = $1', [workspaceId], hours);
    return this.shape(hours, counts, rest, await this.guard.list(workspaceId));
  }

  /**
   * The whole instance, for its operator: every workspace's events and those aimed at no workspace
   * (guesses at unknown accounts, forged webhooks), and every blocked IP.
   */
  async instanceSummary(hours: number): Promise<InstanceSecuritySummary> {
    const { counts, ...rest } = await this.eventFigures('true', [], hours);
    const [{ unattributed }] = await this.db.query(
      `SELECT count(*)::int AS unattributed FROM security_event
        WHERE workspace_id IS NULL AND kind = 'auth_failed' AND created_at > now() - make_interval(hours => $1)`,
      [hours],
    );
    return {
      ...this.shape(hours, counts, rest, await this.guard.listAll()),
      unattributed_failed_authentications: unattributed as number,
    };
  }

  private shape<B>(
    hours: number,
    counts: SecuritySummary['counts_by_kind'],
    rest: Omit<EventFigures, 'counts'>,
    blacklisted: B[],
  ) {
    return {
      hours,
      counts_by_kind: counts,
      failed_authentications: counts.auth_failed ?? 0,
      spam_caught: (counts.spam_inbound ?? 0) + (counts.spam_outbound ?? 0),
      rate_limit_hits: counts.rate_limited ?? 0,
      connections_refused: counts.connection_refused ?? 0,
      blacklisted_now: blacklisted,
      ...rest,
    };
  }

  /** Counts by kind, top IPs and agents and hourly buckets of the events matching `where`. */
  private async eventFigures(where: string, params: unknown[], hours: number): Promise<EventFigures> {
    const at = params.length + 1;
    const scope = `${where} AND created_at > now() - make_interval(hours => $${at})`;
    const all = [...params, hours];
    const [byKind, topIps, topAgents, buckets] = await Promise.all([
      this.db.query(
        `SELECT kind, count(*)::int AS count FROM security_event WHERE ${scope} GROUP BY kind ORDER BY count DESC`,
        all,
      ),
      this.db.query(
        `SELECT ip, count(*)::int AS count FROM security_event WHERE ${scope} AND ip IS NOT NULL
          GROUP BY ip ORDER BY count DESC LIMIT 10`,
        all,
      ),
      this.db.query(
        `SELECT e.agent_id, a.name, count(*)::int AS count FROM security_event e JOIN agent a ON a.id = e.agent_id
          WHERE ${scope.replace(/\bworkspace_id\b/g, 'e.workspace_id').replace(/\bcreated_at\b/g, 'e.created_at')}
          GROUP BY e.agent_id, a.name ORDER BY count DESC LIMIT 10`,
        all,
      ),
      this.db.query(
        `SELECT to_char(date_trunc('hour', created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"') AS bucket, kind,
                count(*)::int AS count
           FROM security_event WHERE ${scope} GROUP BY 1, 2 ORDER BY 1, 2`,
        all,
      ),
    ]);
    return {
      counts: Object.fromEntries((byKind as { kind: string; count: number }[]).map((r) => [r.kind, r.count])),
      top_ips: topIps,
      top_agents: topAgents,
      over_time: buckets,
    };
  }

  async agentActivity(workspaceId: string, agentId: string, hours: number): Promise<AgentActivity> {
    const [agent] = await this.db.query(
      'SELECT id, name, email, role, last_seen_at FROM agent WHERE id = $1 AND workspace_id = $2',
      [agentId, workspaceId],
    );
    if (!agent) throw notFound('agent');
    const params = [workspaceId, agentId, hours];
    const [[sent], failures, recent] = await Promise.all([
      this.db.query(
        `SELECT count(*)::int AS messages, count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM message WHERE workspace_id = $1 AND sender_agent_id = $2 AND created_at > now() - make_interval(hours => $3)`,
        params,
      ),
      this.db.query(
        `SELECT count(*)::int AS count FROM security_event
          WHERE workspace_id = $1 AND agent_id = $2 AND created_at > now() - make_interval(hours => $3)`,
        params,
      ),
      this.db.query(
        `SELECT kind, ip, detail, created_at FROM security_event WHERE workspace_id = $1 AND agent_id = $2
          ORDER BY created_at DESC LIMIT 20`,
        [workspaceId, agentId],
      ),
    ]);
    return {
      agent_id: agent.id,
      name: agent.name,
      role: agent.role,
      hours,
      messages_sent: sent.messages,
      messages_failed: sent.failed,
      connections_now: await this.slots.live(agentId),
      messages_last_minute: await this.rateLimits.messagesLastMinute(agentId),
      security_events: failures[0].count,
      last_seen_at: agent.last_seen_at?.toISOString() ?? null,
      recent_events: (recent as (Omit<SecurityEventView, 'created_at'> & { created_at: Date })[]).map(
        (event) => ({ ...event, created_at: event.created_at.toISOString() }),
      ),
    };
  }

  /**
   * One app's activity (an API key, revoked or not): its messages, the conversation changes it made
   * (its key is their events' actor), and the security events naming the key.
   */
  async appActivity(workspaceId: string, keyId: string, hours: number): Promise<AppActivity> {
    const [key] = await this.db.query(
      'SELECT id, name, scopes, last_used_at, revoked_at FROM api_key WHERE id = $1 AND workspace_id = $2',
      [keyId, workspaceId],
    );
    if (!key) throw notFound('api_key');
    const params = [workspaceId, keyId, hours];
    const [[sent], [changed], [refused], recent] = await Promise.all([
      this.db.query(
        `SELECT count(*)::int AS messages, count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM message WHERE workspace_id = $1 AND sender_api_key_id = $2
            AND created_at > now() - make_interval(hours => $3)`,
        params,
      ),
      this.db.query(
        `SELECT count(*)::int AS count FROM event
          WHERE workspace_id = $1 AND type = 'conversation.updated' AND payload->>'actor_id' = $2::text
            AND created_at > now() - make_interval(hours => $3)`,
        params,
      ),
      this.db.query(
        `SELECT count(*)::int AS count FROM security_event
          WHERE workspace_id = $1 AND detail->>'api_key_id' = $2::text
            AND created_at > now() - make_interval(hours => $3)`,
        params,
      ),
      this.db.query(
        `SELECT kind, ip, detail, created_at FROM security_event
          WHERE workspace_id = $1 AND detail->>'api_key_id' = $2::text ORDER BY created_at DESC LIMIT 20`,
        [workspaceId, keyId],
      ),
    ]);
    return {
      api_key_id: key.id,
      name: key.name,
      scopes: key.scopes,
      hours,
      messages_sent: sent.messages,
      messages_failed: sent.failed,
      conversations_changed: changed.count,
      messages_last_minute: await this.rateLimits.appMessagesLastMinute(keyId),
      messages_per_minute_limit: await this.rateLimits.appMessageLimit(workspaceId),
      security_events: refused.count,
      last_used_at: key.last_used_at?.toISOString() ?? null,
      revoked_at: key.revoked_at?.toISOString() ?? null,
      recent_events: (recent as (Omit<SecurityEventView, 'created_at'> & { created_at: Date })[]).map(
        (event) => ({ ...event, created_at: event.created_at.toISOString() }),
      ),
    };
  }

  /** Live sockets and message pace per agent, across every api instance (from Redis). */
  async wsStats(workspaceId: string): Promise<WsStats>;
  async wsStats(workspaceId: string, agentId: string): Promise<AgentWsStats>;
  async wsStats(workspaceId: string, agentId?: string): Promise<WsStats | AgentWsStats> {
    const agents: { id: string; name: string }[] = await this.db.query(
      `SELECT id, name FROM agent WHERE workspace_id = $1 AND deactivated_at IS NULL ${agentId ? 'AND id = $2' : ''} ORDER BY name`,
      agentId ? [workspaceId, agentId] : [workspaceId],
    );
    if (agentId && !agents.length) throw notFound('agent');
    const rows: AgentWsStats[] = await Promise.all(
      agents.map(async (a) => ({
        agent_id: a.id,
        name: a.name,
        connections: await this.slots.live(a.id),
        messages_last_minute: await this.rateLimits.messagesLastMinute(a.id),
      })),
    );
    return agentId
      ? rows[0]
      : { total_connections: rows.reduce((n, r) => n + r.connections, 0), agents: rows };
  }
}
