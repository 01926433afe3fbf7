/**
 * Business hours, the out-of-hours reply and SLA timers (issue 17). `GET/PUT /api/v1/business-hours`
 * and `GET/PUT /api/v1/sla-policy` (admins) are the workspace's; a team's own are
 * `GET/PUT/DELETE /api/v1/business-hours/teams/{team_id}` and `/api/v1/sla-policy/teams/{team_id}`.
 * A conversation follows its team's schedule and policy when the team has its own, else the
 * workspace's. Times of day are "HH:mm" in the schedule's IANA time
 * zone; weekdays are ISO (1 = Monday … 7 = Sunday).
 */
import type { WidgetLanguage } from './widget';

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Open from `start` to `end` on `day`. An `end` at or before `start` runs past midnight into the next
 * day (22:00–02:00); "24:00" is the end of the day.
 */
export interface OpenInterval {
  day: Weekday;
  start: string;
  end: string;
}

/** A closed day, `YYYY-MM-DD` in the schedule's time zone; `recurring` closes it every year (month and day). */
export interface Holiday {
  date: string;
  name?: string;
  recurring?: boolean;
}

/**
 * What a customer writing outside hours is told, per language; `channel_id` null is the reply of
 * every channel without its own. A channel's own entry with `enabled: false` sends nothing there.
 */
export interface OutOfHoursReply {
  channel_id: string | null;
  enabled: boolean;
  texts: Partial<Record<WidgetLanguage, string>>;
}

export interface BusinessHoursView {
  /** Off: always open (no out-of-hours reply; SLA timers count wall-clock time). */
  enabled: boolean;
  time_zone: string;
  intervals: OpenInterval[];
  holidays: Holiday[];
  out_of_hours_replies: OutOfHoursReply[];
  /** The reply's language when the customer's is not known (a website channel uses its own first language). */
  default_language: WidgetLanguage;
  /** Whether the workspace is open now, and when that changes next (null: never within a year). */
  open_now: boolean;
  next_change_at: string | null;
  updated_at: string | null;
  /** The team whose schedule this is; null: the workspace's. */
  team_id: string | null;
  /** A team without a schedule of its own follows the workspace's, which is then what is shown. */
  inherited: boolean;
}

export type BusinessHoursInput = Omit<
  BusinessHoursView,
  'open_now' | 'next_change_at' | 'updated_at' | 'team_id' | 'inherited'
>;

/** The timers a conversation may have. */
export const SLA_TIMERS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaTimer = (typeof SLA_TIMERS)[number];

export interface SlaPolicyView {
  enabled: boolean;
  /** Targets in minutes; null: no such timer. */
  first_response_minutes: number | null;
  next_response_minutes: number | null;
  resolution_minutes: number | null;
  /** Count only open hours of the business-hours schedule (when it is enabled). */
  business_hours: boolean;
  /** Agents are warned this many minutes before a deadline; 0: no warning. */
  warn_before_minutes: number;
  updated_at: string | null;
  /** The team whose policy this is; null: the workspace's. */
  team_id: string | null;
  /** A team without a policy of its own follows the workspace's, which is then what is shown. */
  inherited: boolean;
}

export type SlaPolicyInput = Omit<SlaPolicyView, 'updated_at' | 'team_id' | 'inherited'>;

/** A conversation's SLA state, on ConversationView as `sla` (null when no timer runs or ever broke). */
export interface ConversationSlaView {
  first_response_due_at: string | null;
  next_response_due_at: string | null;
  resolution_due_at: string | null;
  /** Timers whose warning went out. */
  warned: SlaTimer[];
  /** Timers that were breached (kept until the conversation is resolved). */
  breached: SlaTimer[];
}
