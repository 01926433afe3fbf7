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
import { AppError } from '@parley/errors/app-error';
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

/**
 * The workspace's business hours (with the out-of-hours reply) and its SLA policy: one of each per
 * workspace for now (`team_id` null); the rows leave room for a team's own.
 */
@Injectable()
export class BusinessHoursService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async hoursOf(workspaceId: string, manager: EntityManager = this.db.manager): Promise<BusinessHoursRow> {
    const [row]: BusinessHoursRow[] = await manager.query(
      `SELECT enabled, time_zone, intervals, holidays, out_of_hours_replies, default_language, updated_at
         FROM business_hours WHERE workspace_id = $1 AND team_id IS NULL`,
      [workspaceId],
    );
    return row ?? NO_HOURS;
  }

  async get(workspaceId: string): Promise<BusinessHoursView> {
    return this.view(await this.hoursOf(workspaceId));
  }

  async put(workspaceId: string, input: BusinessHoursInput): Promise<BusinessHoursView> {
    const schedule = checkSchedule({
      time_zone: input.time_zone,
      intervals: input.intervals,
      holidays: input.holidays ?? [],
    });
    const replies = await this.checkReplies(workspaceId, input.out_of_hours_replies ?? []);
    const language = input.default_language ?? 'en';
    if (!WIDGET_LANGUAGES.includes(language))
      throw hoursProblem(`default_language is one of ${WIDGET_LANGUAGES.join(', ')}`);
    await this.db.query(
      `INSERT INTO business_hours (workspace_id, enabled, time_zone, intervals, holidays, out_of_hours_replies, default_language)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)) DO UPDATE
         SET enabled = excluded.enabled, time_zone = excluded.time_zone, intervals = excluded.intervals,
             holidays = excluded.holidays, out_of_hours_replies = excluded.out_of_hours_replies,
             default_language = excluded.default_language, updated_at = now()`,
      [
        workspaceId,
        input.enabled === true,
        schedule.time_zone,
        JSON.stringify(schedule.intervals),
        JSON.stringify(schedule.holidays),
        JSON.stringify(replies),
        language,
      ],
    );
    return this.get(workspaceId);
  }

  private view(row: BusinessHoursRow): BusinessHoursView {
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

  async slaOf(workspaceId: string, manager: EntityManager = this.db.manager): Promise<SlaPolicyRow> {
    const [row]: SlaPolicyRow[] = await manager.query(
      `SELECT enabled, first_response_minutes, next_response_minutes, resolution_minutes, business_hours,
              warn_before_minutes, updated_at
         FROM sla_policy WHERE workspace_id = $1 AND team_id IS NULL`,
      [workspaceId],
    );
    return row ?? NO_SLA;
  }

  async getSla(workspaceId: string): Promise<SlaPolicyView> {
    const row = await this.slaOf(workspaceId);
    return { ...row, updated_at: row.updated_at?.toISOString() ?? null };
  }

  async putSla(workspaceId: string, input: SlaPolicyInput): Promise<SlaPolicyView> {
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
    await this.db.query(
      `INSERT INTO sla_policy (workspace_id, enabled, first_response_minutes, next_response_minutes, resolution_minutes,
                               business_hours, warn_before_minutes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)) DO UPDATE
         SET enabled = excluded.enabled, first_response_minutes = excluded.first_response_minutes,
             next_response_minutes = excluded.next_response_minutes, resolution_minutes = excluded.resolution_minutes,
             business_hours = excluded.business_hours, warn_before_minutes = excluded.warn_before_minutes,
             updated_at = now()`,
      [workspaceId, input.enabled === true, first, next, resolution, input.business_hours === true, warn],
    );
    return this.getSla(workspaceId);
  }
}
