import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import type {
  AgentsReport,
  ChannelsReport,
  CsatCommentRow,
  CsatReport,
  CsatStats,
  DurationStats,
  HoursReport,
  OverviewReport,
  ReportName,
  ReportRange,
  TeamsReport,
} from '@parley/contract/reports';
import type { ChannelType } from '@parley/contract/channel-types';
import { AppError, notFound } from '@parley/errors/app-error';
import { isTimeZone } from '../business-hours/schedule';
import { Clock } from '../clock';
import { toCsv } from './report-csv';

export interface ReportQuery {
  from?: string;
  to?: string;
  tz?: string;
  channel_id?: string;
  agent_id?: string;
  team_id?: string;
}

/** A checked query: the range as instants, the zone, the filters. */
interface Scope {
  from: Date;
  to: Date;
  tz: string;
  channelId: string | null;
  agentId: string | null;
  teamId: string | null;
}

export const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 7;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const problem = (problems: string) => new AppError('report_invalid', 400, { problems });

/** Duration aggregates of `expr` (seconds) over the rows where `condition` holds, as `<prefix>_count|_p`. */
const durations = (prefix: string, expr: string, condition: string) => `
  count(*) FILTER (WHERE ${condition} AND ${expr} IS NOT NULL)::int AS ${prefix}_count,
  percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${expr}) FILTER (WHERE ${condition}) AS ${prefix}_p`;

const FRT = `extract(epoch FROM y.first_response_at - y.started_at)::float8`;
const RESOLUTION = `extract(epoch FROM y.resolved_at - y.started_at)::float8`;
/** $2, $3: the range; $4: channel or null; $5: agent or null; $6: team or null. */
const STARTED = `y.started_at >= $2 AND y.started_at < $3`;
const RESOLVED = `y.resolved_at >= $2 AND y.resolved_at < $3`;
const BY_RESPONDER = `($5::uuid IS NULL OR y.first_responder_id = $5)`;
const BY_ASSIGNEE = `($5::uuid IS NULL OR y.assignee_id = $5)`;
const CYCLES = `FROM conversation_cycle y
  WHERE y.workspace_id = $1 AND ($4::uuid IS NULL OR y.channel_id = $4) AND ($6::uuid IS NULL OR y.team_id = $6)
    AND (${STARTED} OR ${RESOLVED})
    AND ($5::uuid IS NULL OR y.first_responder_id = $5 OR y.assignee_id = $5)`;
/** Ratings in the range under the channel, agent and team filters (`r.` names csat_response). */
const RATINGS = `r.workspace_id = $1 AND r.created_at >= $2 AND r.created_at < $3
  AND ($4::uuid IS NULL OR r.channel_id = $4) AND ($5::uuid IS NULL OR r.agent_id = $5)
  AND ($6::uuid IS NULL OR r.team_id = $6)`;
const CYCLE_COLUMNS = `
  count(*) FILTER (WHERE ${STARTED})::int AS opened,
  count(*) FILTER (WHERE ${RESOLVED} AND ${BY_ASSIGNEE})::int AS resolved,
  ${durations('frt', FRT, `${STARTED} AND ${BY_RESPONDER}`)},
  ${durations('res', RESOLUTION, `${RESOLVED} AND ${BY_ASSIGNEE}`)}`;

interface StatsRow {
  frt_count: number;
  frt_p: number[] | null;
  res_count: number;
  res_p: number[] | null;
}

const statsOf = (count: number, p: number[] | null): DurationStats => ({
  count,
  median_seconds: count && p ? round(p[0]) : null,
  p90_seconds: count && p ? round(p[1]) : null,
});
const round = (value: number | null | undefined) =>
  value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10;

/**
 * Reports over the conversation cycles the `metrics` reader keeps (indexed by start and by
 * resolution time) and the CSAT ratings: counts, medians and 90th percentiles
 * (percentile_cont), grouped by channel, agent, team or hour of day in the asker's time zone; each
 * also as CSV.
 */
@Injectable()
export class ReportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The range (default: the last 7 days), the zone and the filters, checked; `report_invalid` otherwise. */
  scope(query: ReportQuery): Scope {
    const tz = query.tz ?? 'UTC';
    if (!isTimeZone(tz)) throw problem(`tz must be an IANA time zone such as Asia/Tehran`);
    const parse = (name: string, value: string | undefined, fallback: DateTime): DateTime => {
      if (value === undefined) return fallback;
      const parsed = DateTime.fromISO(String(value), { zone: tz });
      if (String(value).length > 40 || !parsed.isValid)
        throw problem(`${name} must be an ISO 8601 date or time`);
      return parsed;
    };
    const now = DateTime.fromJSDate(this.clock.now(), { zone: tz });
    const to = parse('to', query.to, now);
    const from = parse('from', query.from, to.minus({ days: DEFAULT_RANGE_DAYS }));
    if (from >= to) throw problem('from must be before to');
    if (to.diff(from, 'days').days > MAX_RANGE_DAYS)
      throw problem(`a report covers at most ${MAX_RANGE_DAYS} days`);
    for (const [name, id] of [
      ['channel_id', query.channel_id],
      ['agent_id', query.agent_id],
      ['team_id', query.team_id],
    ] as const)
      if (id !== undefined && !UUID.test(id)) throw problem(`${name} must be an id`);
    return {
      from: from.toJSDate(),
      to: to.toJSDate(),
      tz,
      channelId: query.channel_id ?? null,
      agentId: query.agent_id ?? null,
      teamId: query.team_id ?? null,
    };
  }

  /** The checked query; a team filter names a team of this workspace (404 otherwise). */
  private async scopeIn(workspaceId: string, query: ReportQuery): Promise<Scope> {
    const scope = this.scope(query);
    if (scope.teamId) {
      const [team]: unknown[] = await this.db.query(
        `SELECT 1 FROM team WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, scope.teamId],
      );
      if (!team) throw notFound('team');
    }
    return scope;
  }

  private range(scope: Scope): ReportRange {
    return { from: scope.from.toISOString(), to: scope.to.toISOString(), tz: scope.tz };
  }

  private params(workspaceId: string, scope: Scope): unknown[] {
    return [workspaceId, scope.from, scope.to, scope.channelId, scope.agentId, scope.teamId];
  }

  async overview(workspaceId: string, query: ReportQuery): Promise<OverviewReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const [row]: (StatsRow & { opened: number; resolved: number })[] = await this.db.query(
      `SELECT ${CYCLE_COLUMNS} ${CYCLES}`,
      this.params(workspaceId, scope),
    );
    return {
      ...this.range(scope),
      opened: row.opened,
      resolved: row.resolved,
      first_response: statsOf(row.frt_count, row.frt_p),
      resolution: statsOf(row.res_count, row.res_p),
      csat: await this.csatStats(workspaceId, scope),
    };
  }

  async channels(workspaceId: string, query: ReportQuery): Promise<ChannelsReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const rows: (StatsRow & {
      channel_id: string;
      name: string;
      type: ChannelType;
      opened: number;
      resolved: number;
      csat_average: number | null;
    })[] = await this.db.query(
      `WITH stats AS (SELECT y.channel_id, ${CYCLE_COLUMNS} ${CYCLES} GROUP BY y.channel_id),
              ratings AS (SELECT r.channel_id, avg(r.score)::float8 AS csat_average FROM csat_response r
                           WHERE ${RATINGS} GROUP BY r.channel_id)
         SELECT ch.id AS channel_id, ch.name, ch.type, s.*, r.csat_average
           FROM channel ch JOIN stats s ON s.channel_id = ch.id LEFT JOIN ratings r ON r.channel_id = ch.id
          WHERE ch.workspace_id = $1
          ORDER BY s.opened DESC, ch.name`,
      this.params(workspaceId, scope),
    );
    return {
      ...this.range(scope),
      rows: rows.map((r) => ({
        channel_id: r.channel_id,
        name: r.name,
        type: r.type,
        opened: r.opened,
        resolved: r.resolved,
        first_response: statsOf(r.frt_count, r.frt_p),
        resolution: statsOf(r.res_count, r.res_p),
        csat_average: round(r.csat_average),
      })),
    };
  }

  async agents(workspaceId: string, query: ReportQuery): Promise<AgentsReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const rows: (StatsRow & {
      agent_id: string;
      name: string;
      first_responses: number;
      resolved: number;
      csat_average: number | null;
      csat_count: number;
    })[] = await this.db.query(
      `WITH y AS (SELECT y.* ${CYCLES}),
              answered AS (
                SELECT y.first_responder_id AS agent_id, count(*)::int AS first_responses,
                       ${durations('frt', FRT, 'true')}
                  FROM y WHERE ${STARTED} AND y.first_responder_id IS NOT NULL AND ${BY_RESPONDER}
                 GROUP BY y.first_responder_id),
              closed AS (
                SELECT y.assignee_id AS agent_id, count(*)::int AS resolved, ${durations('res', RESOLUTION, 'true')}
                  FROM y WHERE ${RESOLVED} AND y.assignee_id IS NOT NULL AND ${BY_ASSIGNEE}
                 GROUP BY y.assignee_id),
              ratings AS (
                SELECT r.agent_id, avg(r.score)::float8 AS csat_average, count(*)::int AS csat_count
                  FROM csat_response r WHERE ${RATINGS} AND r.agent_id IS NOT NULL
                 GROUP BY r.agent_id)
         SELECT a.id AS agent_id, a.name,
                coalesce(f.first_responses, 0) AS first_responses, coalesce(f.frt_count, 0) AS frt_count, f.frt_p,
                coalesce(c.resolved, 0) AS resolved, coalesce(c.res_count, 0) AS res_count, c.res_p,
                r.csat_average, coalesce(r.csat_count, 0) AS csat_count
           FROM agent a
           LEFT JOIN answered f ON f.agent_id = a.id
           LEFT JOIN closed c ON c.agent_id = a.id
           LEFT JOIN ratings r ON r.agent_id = a.id
          WHERE a.workspace_id = $1 AND (f.agent_id IS NOT NULL OR c.agent_id IS NOT NULL OR r.agent_id IS NOT NULL)
          ORDER BY coalesce(c.resolved, 0) DESC, a.name`,
      this.params(workspaceId, scope),
    );
    return {
      ...this.range(scope),
      rows: rows.map((r) => ({
        agent_id: r.agent_id,
        name: r.name,
        first_responses: r.first_responses,
        resolved: r.resolved,
        first_response: statsOf(r.frt_count, r.frt_p),
        resolution: statsOf(r.res_count, r.res_p),
        csat_average: round(r.csat_average),
        csat_count: r.csat_count,
      })),
    };
  }

  /** One row per team with cycles or ratings in the range, and one (team_id null) for those in no team. */
  async teams(workspaceId: string, query: ReportQuery): Promise<TeamsReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const rows: (StatsRow & {
      team_id: string | null;
      name: string | null;
      opened: number;
      resolved: number;
      csat_average: number | null;
      csat_count: number;
    })[] = await this.db.query(
      `WITH stats AS (SELECT y.team_id, ${CYCLE_COLUMNS} ${CYCLES} GROUP BY y.team_id),
              ratings AS (
                SELECT r.team_id, avg(r.score)::float8 AS csat_average, count(*)::int AS csat_count
                  FROM csat_response r WHERE ${RATINGS} GROUP BY r.team_id),
              teams AS (SELECT team_id FROM stats UNION SELECT team_id FROM ratings)
         SELECT k.team_id, t.name,
                coalesce(s.opened, 0) AS opened, coalesce(s.resolved, 0) AS resolved,
                coalesce(s.frt_count, 0) AS frt_count, s.frt_p, coalesce(s.res_count, 0) AS res_count, s.res_p,
                r.csat_average, coalesce(r.csat_count, 0) AS csat_count
           FROM teams k
           LEFT JOIN team t ON t.workspace_id = $1 AND t.id = k.team_id
           LEFT JOIN stats s ON s.team_id IS NOT DISTINCT FROM k.team_id
           LEFT JOIN ratings r ON r.team_id IS NOT DISTINCT FROM k.team_id
          ORDER BY k.team_id IS NULL, coalesce(s.opened, 0) DESC, lower(t.name), k.team_id`,
      this.params(workspaceId, scope),
    );
    return {
      ...this.range(scope),
      rows: rows.map((r) => ({
        team_id: r.team_id,
        name: r.name,
        opened: r.opened,
        resolved: r.resolved,
        first_response: statsOf(r.frt_count, r.frt_p),
        resolution: statsOf(r.res_count, r.res_p),
        csat_average: round(r.csat_average),
        csat_count: r.csat_count,
      })),
    };
  }

  /** Every hour of the day (0–23) in the report's time zone, empty ones included. */
  async hours(workspaceId: string, query: ReportQuery): Promise<HoursReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const rows: { hour: number; opened: number; resolved: number; frt_median: number | null }[] =
      await this.db.query(
        `WITH y AS (SELECT y.* ${CYCLES}),
            opened AS (
              SELECT extract(hour FROM y.started_at AT TIME ZONE $7)::int AS hour, count(*)::int AS opened,
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY ${FRT}) FILTER (WHERE ${BY_RESPONDER}) AS frt_median
                FROM y WHERE ${STARTED} GROUP BY 1),
            closed AS (
              SELECT extract(hour FROM y.resolved_at AT TIME ZONE $7)::int AS hour, count(*)::int AS resolved
                FROM y WHERE ${RESOLVED} AND ${BY_ASSIGNEE} GROUP BY 1)
       SELECT h.hour, coalesce(o.opened, 0) AS opened, coalesce(c.resolved, 0) AS resolved, o.frt_median
         FROM generate_series(0, 23) AS h(hour)
         LEFT JOIN opened o ON o.hour = h.hour LEFT JOIN closed c ON c.hour = h.hour
        ORDER BY h.hour`,
        [...this.params(workspaceId, scope), scope.tz],
      );
    return {
      ...this.range(scope),
      rows: rows.map((r) => ({
        hour: r.hour,
        opened: r.opened,
        resolved: r.resolved,
        first_response_median_seconds: round(r.frt_median),
      })),
    };
  }

  private async csatStats(workspaceId: string, scope: Scope): Promise<CsatStats> {
    const [row]: {
      count: number;
      average: number | null;
      s1: number;
      s2: number;
      s3: number;
      s4: number;
      s5: number;
    }[] = await this.db.query(
      `SELECT count(*)::int AS count, avg(score)::float8 AS average,
                ${[1, 2, 3, 4, 5].map((s) => `count(*) FILTER (WHERE score = ${s})::int AS s${s}`).join(', ')}
           FROM csat_response r WHERE ${RATINGS}`,
      this.params(workspaceId, scope),
    );
    return {
      count: row.count,
      average: round(row.average),
      distribution: { '1': row.s1, '2': row.s2, '3': row.s3, '4': row.s4, '5': row.s5 },
    };
  }

  async csat(workspaceId: string, query: ReportQuery): Promise<CsatReport> {
    const scope = await this.scopeIn(workspaceId, query);
    const recent: (Omit<CsatReport['recent'][number], 'created_at'> & { created_at: Date })[] =
      await this.db.query(
        `SELECT r.conversation_id, ct.name AS contact_name, a.name AS agent_name, ch.name AS channel_name,
              r.score, r.comment, r.created_at
         FROM csat_response r
         JOIN channel ch ON ch.id = r.channel_id
         JOIN contact ct ON ct.id = r.contact_id
         LEFT JOIN agent a ON a.id = r.agent_id
        WHERE ${RATINGS}
        ORDER BY r.created_at DESC LIMIT 100`,
        this.params(workspaceId, scope),
      );
    return {
      ...this.range(scope),
      csat: await this.csatStats(workspaceId, scope),
      recent: recent.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
      comments: await this.csatComments(workspaceId, scope),
    };
  }

  /** The newest rating comments written in the range, under the report's filters. */
  private async csatComments(workspaceId: string, scope: Scope): Promise<CsatCommentRow[]> {
    const rows: (Omit<CsatCommentRow, 'commented_at'> & { commented_at: Date })[] = await this.db.query(
      `SELECT r.conversation_id, ct.name AS contact_name, a.name AS agent_name, ch.name AS channel_name,
              ch.type AS channel_type, r.score, r.comment, r.commented_at
         FROM csat_response r
         JOIN channel ch ON ch.id = r.channel_id
         JOIN contact ct ON ct.id = r.contact_id
         LEFT JOIN agent a ON a.id = r.agent_id
        WHERE r.workspace_id = $1 AND r.comment IS NOT NULL AND r.commented_at >= $2 AND r.commented_at < $3
          AND ($4::uuid IS NULL OR r.channel_id = $4) AND ($5::uuid IS NULL OR r.agent_id = $5)
          AND ($6::uuid IS NULL OR r.team_id = $6)
        ORDER BY r.commented_at DESC LIMIT 50`,
      this.params(workspaceId, scope),
    );
    return rows.map((r) => ({ ...r, commented_at: r.commented_at.toISOString() }));
  }

  /** One report as CSV: a header row and one row per line of the report. */
  async csv(workspaceId: string, name: ReportName, query: ReportQuery): Promise<string> {
    const stats = (s: DurationStats) => [s.count, s.median_seconds, s.p90_seconds];
    const statsHeader = (prefix: string) => [
      `${prefix}_count`,
      `${prefix}_median_seconds`,
      `${prefix}_p90_seconds`,
    ];
    switch (name) {
      case 'overview': {
        const r = await this.overview(workspaceId, query);
        return toCsv(
          [
            'from',
            'to',
            'tz',
            'opened',
            'resolved',
            ...statsHeader('first_response'),
            ...statsHeader('resolution'),
            'csat_count',
            'csat_average',
            'csat_1',
            'csat_2',
            'csat_3',
            'csat_4',
            'csat_5',
          ],
          [
            [
              r.from,
              r.to,
              r.tz,
              r.opened,
              r.resolved,
              ...stats(r.first_response),
              ...stats(r.resolution),
              r.csat.count,
              r.csat.average,
              ...(['1', '2', '3', '4', '5'] as const).map((s) => r.csat.distribution[s]),
            ],
          ],
        );
      }
      case 'channels': {
        const r = await this.channels(workspaceId, query);
        return toCsv(
          [
            'channel_id',
            'name',
            'type',
            'opened',
            'resolved',
            ...statsHeader('first_response'),
            ...statsHeader('resolution'),
            'csat_average',
          ],
          r.rows.map((c) => [
            c.channel_id,
            c.name,
            c.type,
            c.opened,
            c.resolved,
            ...stats(c.first_response),
            ...stats(c.resolution),
            c.csat_average,
          ]),
        );
      }
      case 'agents': {
        const r = await this.agents(workspaceId, query);
        return toCsv(
          [
            'agent_id',
            'name',
            'first_responses',
            'resolved',
            ...statsHeader('first_response'),
            ...statsHeader('resolution'),
            'csat_average',
            'csat_count',
          ],
          r.rows.map((a) => [
            a.agent_id,
            a.name,
            a.first_responses,
            a.resolved,
            ...stats(a.first_response),
            ...stats(a.resolution),
            a.csat_average,
            a.csat_count,
          ]),
        );
      }
      case 'teams': {
        const r = await this.teams(workspaceId, query);
        return toCsv(
          [
            'team_id',
            'name',
            'opened',
            'resolved',
            ...statsHeader('first_response'),
            ...statsHeader('resolution'),
            'csat_average',
            'csat_count',
          ],
          r.rows.map((team) => [
            team.team_id,
            team.name,
            team.opened,
            team.resolved,
            ...stats(team.first_response),
            ...stats(team.resolution),
            team.csat_average,
            team.csat_count,
          ]),
        );
      }
      case 'hours': {
        const r = await this.hours(workspaceId, query);
        return toCsv(
          ['hour', 'opened', 'resolved', 'first_response_median_seconds'],
          r.rows.map((h) => [h.hour, h.opened, h.resolved, h.first_response_median_seconds]),
        );
      }
      case 'csat': {
        const r = await this.csat(workspaceId, query);
        return toCsv(
          ['created_at', 'conversation_id', 'contact_name', 'agent_name', 'channel_name', 'score', 'comment'],
          r.recent.map((c) => [
            c.created_at,
            c.conversation_id,
            c.contact_name,
            c.agent_name,
            c.channel_name,
            c.score,
            c.comment,
          ]),
        );
      }
    }
  }
}
