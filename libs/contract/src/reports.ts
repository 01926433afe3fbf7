/**
 * Reports and CSAT (issue 17): `GET /api/v1/reports/{overview|channels|agents|teams|hours|csat}` with
 * `?from&to` (ISO 8601 dates or times; a range of at most 366 days), `tz` (IANA, default UTC: the
 * days and hours of day are counted in it), `channel_id`, `agent_id`, `team_id` (a team of the
 * workspace, else 404); `format=csv` answers the same report as CSV. A cycle counts for the team its
 * conversation was in when it was resolved (while open: the team it is in now); a rating for the
 * team of the resolution it rates. Times are in seconds. A cycle is one time a conversation was asked and resolved:
 * "opened" counts cycles started in the range (a reopened conversation counts again).
 */
import type { ChannelType } from './channel-types';

export const REPORT_NAMES = ['overview', 'channels', 'agents', 'teams', 'hours', 'csat'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Median and 90th percentile (percentile_cont) of durations in seconds; null without data. */
export interface DurationStats {
  count: number;
  median_seconds: number | null;
  p90_seconds: number | null;
}

export interface CsatStats {
  count: number;
  /** null without ratings */
  average: number | null;
  /** How many ratings gave 1, 2, 3, 4 and 5. */
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
}

export interface ReportRange {
  from: string;
  to: string;
  tz: string;
}

export interface OverviewReport extends ReportRange {
  opened: number;
  resolved: number;
  first_response: DurationStats;
  resolution: DurationStats;
  csat: CsatStats;
}

export interface ChannelReportRow {
  channel_id: string;
  name: string;
  type: ChannelType;
  opened: number;
  resolved: number;
  first_response: DurationStats;
  resolution: DurationStats;
  csat_average: number | null;
}

export interface AgentReportRow {
  agent_id: string;
  name: string;
  /** Cycles the agent answered first. */
  first_responses: number;
  /** Cycles resolved while assigned to the agent. */
  resolved: number;
  first_response: DurationStats;
  resolution: DurationStats;
  csat_average: number | null;
  csat_count: number;
}

/** One team's cycles and ratings; `team_id` null gathers the conversations in no team. */
export interface TeamReportRow {
  team_id: string | null;
  name: string | null;
  opened: number;
  resolved: number;
  first_response: DurationStats;
  resolution: DurationStats;
  csat_average: number | null;
  csat_count: number;
}

export interface HourReportRow {
  /** 0–23 in the report's time zone. */
  hour: number;
  opened: number;
  resolved: number;
  first_response_median_seconds: number | null;
}

export interface RowsReport<T> extends ReportRange {
  rows: T[];
}

export type ChannelsReport = RowsReport<ChannelReportRow>;
export type AgentsReport = RowsReport<AgentReportRow>;
export type TeamsReport = RowsReport<TeamReportRow>;
export type HoursReport = RowsReport<HourReportRow>;

export interface CsatReport extends ReportRange {
  csat: CsatStats;
  /** The newest ratings in the range (at most 100). */
  recent: {
    conversation_id: string;
    contact_name: string | null;
    agent_name: string | null;
    channel_name: string;
    score: number;
    comment: string | null;
    created_at: string;
  }[];
  /** The newest comments customers added to their ratings in the range (at most 50), by when they were written. */
  comments: CsatCommentRow[];
}

/** A customer's words on a rating: its score, where, who helped, when (`commented_at`). */
export interface CsatCommentRow {
  conversation_id: string;
  contact_name: string | null;
  agent_name: string | null;
  channel_name: string;
  channel_type: ChannelType;
  score: number;
  comment: string;
  commented_at: string;
}

/** `GET /api/v1/reports/csat/channels`, `PUT /api/v1/reports/csat/channels/{channel_id} {enabled}`. */
export interface CsatChannelView {
  channel_id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  /** Whether the platform can show rating buttons (payload buttons). */
  supported: boolean;
}
