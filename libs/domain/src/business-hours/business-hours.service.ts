import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type {
  BusinessHoursInput,
  BusinessHoursView,
  OutOfHoursReply,
  SlaPolicyInput,
  SlaPolicyView,
} from '@parley/contract/business-hours';
import { WIDGET_LANGUAGES, WidgetLanguage } from '@parley/contract/widget';
import { AppError, notFound } from '@parley/errors/app-error';
import { Clock } from '../clock';
import { checkSchedule, isOpenAt, nextChange, Schedule } from './schedule';

/** The workspace's business hours as stored (snake_case from SQL). */
export interface BusinessHoursRow extends Schedule {
  enabled: boolean;
  out_of_hours_replies: OutOfHoursReply[];
  default_language: WidgetLanguage;
  updated_at: Date | null;
}

export interface SlaPolicyRow {
  enabled: boolean;
  first_response_minutes: number | null;
  next_response_minutes: number | null;
  resolution_minutes: number | null;
  business_hours: boolean;
  warn_before_minutes: number;
  updated_at: Date | null;
}

const NO_HOURS: BusinessHoursRow = {
  enabled: false,
  time_zone: 'UTC',
  intervals: [],
  holidays: [],
  out_of_hours_replies: [],
  default_language: 'en',
  updated_at: null,
};

const NO_SLA: SlaPolicyRow = {
  enabled: false,
  first_response_minutes: null,
  next_response_minutes: null,
  resolution_minutes: null,
  business_hours: false,
  warn_before_minutes: 0,
  updated_at: null,
};

/** A target is a whole number of minutes up to a year. */
const MAX_MINUTES = 366 * 24 * 60;
const MAX_REPLY_LENGTH = 1000;

const hoursProblem = (problems: string) => new AppError('hours_invalid', 400, { problems });
const slaProblem = (problems: string) => new AppError('sla_invalid', 400, { problems });
const SCOPE = `(workspace_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid))`;

/** A team deleted between the check and the write fails the team foreign key: the team is gone. */
const isMissingTeam = (error: unknown) => {
  const pg = (error as { driverError?: { code?: string } }).driverError ?? (error as { code?: string });
  return pg?.code === '23503';
};

/**
 * Every schedule or policy of one workspace, read in one statement: what applies to a conversation
 * is its team's own when the team has one, else the workspace's.
 */
export class Scoped<T> {
  constructor(
    readonly workspace: T,
    private readonly teams: Map<string, T>,
  ) {}

  of(teamId: string | null | undefined): T {
    return (teamId ? this.teams.get(teamId) : undefined) ?? this.workspace;
  }

  /** Whether any team has its own. */
  get anyTeam(): boolean {
    return this.teams.size > 0;
  }

  all(): T[] {
    return [this.workspace, ...this.teams.values()];
  }
}

/**
 * The workspace's business hours (with the out-of-hours reply) and its SLA policy, and each team's
 * own (`team_id`); a team without its own follows the workspace's.
 */
@Injectable()
export class BusinessHoursService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** The workspace's schedule and every team's own. */
  async schedulesOf(
    workspaceId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<Scoped<BusinessHoursRow>> {
    const rows: (BusinessHoursRow & { team_id: string | null })[] = await manager.query(
      `SELECT team_id, enabled, time_zone, intervals, holidays, out_of_hours_replies, default_language, updated_at
         FROM business_hours WHERE workspace_id = $1`,
      [workspaceId],
    );
    return scoped(rows, NO_HOURS);
  }

  /** The workspace's schedule, or the team's (`teamId`; 404 when no team of the workspace). */
  async get(workspaceId: string, teamId: string | null = null): Promise<BusinessHoursView> {
    if (teamId) await this.assertTeam(workspaceId, teamId);
    const schedules = await this.schedulesOf(workspaceId);
    return this.view(schedules.of(teamId), teamId, schedules.of(teamId) === schedules.workspace);
  }

  /** A team's own schedule is removed: the team follows the workspace's again. */
  async removeTeamHours(workspaceId: string, teamId: string): Promise<void> {
    await this.assertTeam(workspaceId, teamId);
    await this.db.query(`DELETE FROM business_hours WHERE workspace_id = $1 AND team_id = $2`, [
      workspaceId,
      teamId,
    ]);
  }

  private async assertTeam(workspaceId: string, teamId: string): Promise<void> {
    const [team]: unknown[] = await this.db.query(`SELECT 1 FROM team WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      teamId,
    ]);
    if (!team) throw notFound('team');
  }

  private async upsert(teamId: string | null, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      if (teamId && isMissingTeam(error)) throw notFound('team');
      throw error;
    }
  }

  async put(
    workspaceId: string,
    input: BusinessHoursInput,
    teamId: string | null = null,
  ): Promise<BusinessHoursView> {
    if (teamId) await this.assertTeam(workspaceId, teamId);
    const schedule = checkSchedule({
      time_zone: input.time_zone,
      intervals: input.intervals,
      holidays: input.holidays ?? [],
    });
    const replies = await this.checkReplies(workspaceId, input.out_of_hours_replies ?? []);
    const language = input.default_language ?? 'en';
    if (!WIDGET_LANGUAGES.includes(language))
      throw hoursProblem(`default_language is one of ${WIDGET_LANGUAGES.join(', ')}`);
    await this.upsert(teamId, () =>
      this.db.query(
        `INSERT INTO business_hours (workspace_id, team_id, enabled, time_zone, intervals, holidays,
                                     out_of_hours_replies, default_language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ${SCOPE} DO UPDATE
           SET enabled = excluded.enabled, time_zone = excluded.time_zone, intervals = excluded.intervals,
               holidays = excluded.holidays, out_of_hours_replies = excluded.out_of_hours_replies,
               default_language = excluded.default_language, updated_at = now()`,
        [
          workspaceId,
          teamId,
          input.enabled === true,
          schedule.time_zone,
          JSON.stringify(schedule.intervals),
          JSON.stringify(schedule.holidays),
          JSON.stringify(replies),
          language,
        ],
      ),
    );
    return this.get(workspaceId, teamId);
  }

  private view(row: BusinessHoursRow, teamId: string | null, inherited: boolean): BusinessHoursView {
    const now = this.clock.now();
    const open = !row.enabled || isOpenAt(row, now);
    return {
      enabled: row.enabled,
      time_zone: row.time_zone,
      intervals: row.intervals,
      holidays: row.holidays,
      out_of_hours_replies: row.out_of_hours_replies,
      default_language: row.default_language,
      open_now: open,
      next_change_at: row.enabled ? (nextChange(row, now)?.toISOString() ?? null) : null,
      updated_at: row.updated_at?.toISOString() ?? null,
      team_id: teamId,
      inherited: teamId !== null && inherited,
    };
  }

  /** Replies name channels of this workspace (or none: every channel), once each, with texts in en/fa/ar. */
  private async checkReplies(workspaceId: string, replies: OutOfHoursReply[]): Promise<OutOfHoursReply[]> {
    if (!Array.isArray(replies) || replies.length > 200)
      throw hoursProblem('give at most 200 out-of-hours replies');
    const channelIds = replies.map((r) => r?.channel_id ?? null);
    if (new Set(channelIds).size !== channelIds.length)
      throw hoursProblem('one out-of-hours reply per channel');
    const named = channelIds.filter((id): id is string => id !== null);
    if (named.some((id) => typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)))
      throw hoursProblem('channel_id is a channel id or null');
    if (named.length) {
      const [{ count }]: { count: number }[] = await this.db.query(
        `SELECT count(*)::int AS count FROM channel WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL`,
        [workspaceId, named],
      );
      if (count !== named.length)
        throw hoursProblem('an out-of-hours reply names a channel that is not there');
    }
    return replies.map((reply) => {
      const texts: OutOfHoursReply['texts'] = {};
      if (!reply.texts || typeof reply.texts !== 'object' || Array.isArray(reply.texts))
        throw hoursProblem('texts maps en, fa or ar to the reply');
      for (const [language, text] of Object.entries(reply.texts)) {
        if (!WIDGET_LANGUAGES.includes(language as WidgetLanguage))
          throw hoursProblem(`${language.slice(0, 8)} is not en, fa or ar`);
        if (typeof text !== 'string' || text.trim().length === 0 || text.length > MAX_REPLY_LENGTH)
          throw hoursProblem(`a reply text is 1 to ${MAX_REPLY_LENGTH} characters`);
        texts[language as WidgetLanguage] = text.trim();
      }
      if (reply.enabled !== false && !Object.keys(texts).length)
        throw hoursProblem('an enabled reply needs a text');
      return { channel_id: reply.channel_id ?? null, enabled: reply.enabled !== false, texts };
    });
  }

  /** The workspace's SLA policy and every team's own. */
  async policiesOf(
    workspaceId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<Scoped<SlaPolicyRow>> {
    const rows: (SlaPolicyRow & { team_id: string | null })[] = await manager.query(
      `SELECT team_id, enabled, first_response_minutes, next_response_minutes, resolution_minutes, business_hours,
              warn_before_minutes, updated_at
         FROM sla_policy WHERE workspace_id = $1`,
      [workspaceId],
    );
    return scoped(rows, NO_SLA);
  }

  async getSla(workspaceId: string, teamId: string | null = null): Promise<SlaPolicyView> {
    if (teamId) await this.assertTeam(workspaceId, teamId);
    const policies = await this.policiesOf(workspaceId);
    const row = policies.of(teamId);
    return {
      enabled: row.enabled,
      first_response_minutes: row.first_response_minutes,
      next_response_minutes: row.next_response_minutes,
      resolution_minutes: row.resolution_minutes,
      business_hours: row.business_hours,
      warn_before_minutes: row.warn_before_minutes,
      updated_at: row.updated_at?.toISOString() ?? null,
      team_id: teamId,
      inherited: teamId !== null && row === policies.workspace,
    };
  }

  /** A team's own SLA policy is removed: the team follows the workspace's again. */
  async removeTeamSla(workspaceId: string, teamId: string): Promise<void> {
    await this.assertTeam(workspaceId, teamId);
    await this.db.query(`DELETE FROM sla_policy WHERE workspace_id = $1 AND team_id = $2`, [
      workspaceId,
      teamId,
    ]);
  }

  async putSla(
    workspaceId: string,
    input: SlaPolicyInput,
    teamId: string | null = null,
  ): Promise<SlaPolicyView> {
    if (teamId) await this.assertTeam(workspaceId, teamId);
    const target = (name: string, value: unknown): number | null => {
      if (value === null || value === undefined) return null;
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_MINUTES)
        throw slaProblem(`${name} is whole minutes from 1 to ${MAX_MINUTES}, or null`);
      return value as number;
    };
    const first = target('first_response_minutes', input.first_response_minutes);
    const next = target('next_response_minutes', input.next_response_minutes);
    const resolution = target('resolution_minutes', input.resolution_minutes);
    const warn = input.warn_before_minutes ?? 0;
    if (!Number.isInteger(warn) || warn < 0 || warn > MAX_MINUTES)
      throw slaProblem(`warn_before_minutes is whole minutes from 0 to ${MAX_MINUTES}`);
    if (input.enabled && first === null && next === null && resolution === null)
      throw slaProblem('an enabled policy needs at least one target');
    await this.upsert(teamId, () =>
      this.db.query(
        `INSERT INTO sla_policy (workspace_id, team_id, enabled, first_response_minutes, next_response_minutes,
                                 resolution_minutes, business_hours, warn_before_minutes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ${SCOPE} DO UPDATE
           SET enabled = excluded.enabled, first_response_minutes = excluded.first_response_minutes,
               next_response_minutes = excluded.next_response_minutes, resolution_minutes = excluded.resolution_minutes,
               business_hours = excluded.business_hours, warn_before_minutes = excluded.warn_before_minutes,
               updated_at = now()`,
        [
          workspaceId,
          teamId,
          input.enabled === true,
          first,
          next,
          resolution,
          input.business_hours === true,
          warn,
        ],
      ),
    );
    return this.getSla(workspaceId, teamId);
  }
}

function scoped<T>(rows: (T & { team_id: string | null })[], none: T): Scoped<T> {
  const strip = ({ team_id: _team, ...row }: T & { team_id: string | null }) => row as T;
  const own = rows.find((r) => r.team_id === null);
  return new Scoped(
    own ? strip(own) : none,
    new Map(rows.filter((r) => r.team_id !== null).map((r) => [r.team_id!, strip(r)])),
  );
}
