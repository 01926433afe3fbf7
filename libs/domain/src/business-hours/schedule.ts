import { DateTime, IANAZone } from 'luxon';
import { Holiday, OpenInterval, WEEKDAYS, Weekday } from '@parley/contract/business-hours';
import { AppError } from '@parley/errors/app-error';

/** A weekly schedule in one IANA time zone, as stored. */
export interface Schedule {
  time_zone: string;
  intervals: OpenInterval[];
  holidays: Holiday[];
}

export const MAX_INTERVALS = 70;
export const MAX_HOLIDAYS = 366;
/** How far the schedule is searched for an opening or a closing (a year and a bit). */
const HORIZON_DAYS = 400;
const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const WEEK_MINUTES = 7 * 24 * 60;

const invalid = (problems: string) => new AppError('hours_invalid', 400, { problems });

const minutesOf = (time: string): number => {
  const m = TIME.exec(time)!;
  return m[3] ? 24 * 60 : Number(m[1]) * 60 + Number(m[2]);
};

export const isTimeZone = (zone: unknown): zone is string =>
  typeof zone === 'string' && zone.length <= 64 && IANAZone.isValidZone(zone);

/**
 * A schedule an admin sent, checked: a real IANA zone, well-formed intervals (an end at or before
 * the start runs past midnight), none overlapping another in the week, valid holiday dates.
 * `hours_invalid` (400) says what is wrong.
 */
export function checkSchedule(input: Schedule): Schedule {
  if (!isTimeZone(input.time_zone))
    throw invalid(`${String(input.time_zone).slice(0, 64)} is not an IANA time zone`);
  if (!Array.isArray(input.intervals) || input.intervals.length > MAX_INTERVALS)
    throw invalid(`give at most ${MAX_INTERVALS} intervals`);
  const spans: { from: number; to: number; label: string }[] = [];
  for (const interval of input.intervals) {
    const label = `${interval?.day} ${interval?.start}-${interval?.end}`;
    if (
      !WEEKDAYS.includes(interval?.day) ||
      typeof interval.start !== 'string' ||
      typeof interval.end !== 'string'
    )
      throw invalid(`${label}: day is 1 (Monday) to 7 (Sunday) with start and end as HH:mm`);
    if (!TIME.test(interval.start) || !TIME.test(interval.end) || interval.start === '24:00')
      throw invalid(`${label}: times are HH:mm (00:00 to 24:00)`);
    const start = minutesOf(interval.start);
    let end = minutesOf(interval.end);
    if (end <= start) end += 24 * 60;
    if (end === start) throw invalid(`${label}: an interval cannot be empty`);
    const from = (interval.day - 1) * 24 * 60 + start;
    spans.push({ from, to: from + (end - start), label });
  }
  // Overlaps within the week, including an overnight Sunday interval running into Monday.
  const unrolled = spans.flatMap((s) => [s, { ...s, from: s.from + WEEK_MINUTES, to: s.to + WEEK_MINUTES }]);
  unrolled.sort((a, b) => a.from - b.from);
  for (let i = 1; i < unrolled.length; i++)
    if (unrolled[i].from < unrolled[i - 1].to)
      throw invalid(`${unrolled[i - 1].label} overlaps ${unrolled[i].label}`);
  if (!Array.isArray(input.holidays) || input.holidays.length > MAX_HOLIDAYS)
    throw invalid(`give at most ${MAX_HOLIDAYS} holidays`);
  const holidays = input.holidays.map((holiday) => {
    if (
      typeof holiday?.date !== 'string' ||
      !DATE.test(holiday.date) ||
      !DateTime.fromISO(holiday.date).isValid
    )
      throw invalid(`${String(holiday?.date).slice(0, 20)} is not a YYYY-MM-DD date`);
    if (holiday.name !== undefined && (typeof holiday.name !== 'string' || holiday.name.length > 100))
      throw invalid('a holiday name is at most 100 characters');
    return {
      date: holiday.date,
      ...(holiday.name ? { name: holiday.name } : {}),
      ...(holiday.recurring ? { recurring: true } : {}),
    };
  });
  return {
    time_zone: input.time_zone,
    intervals: input.intervals.map(({ day, start, end }) => ({ day, start, end })),
    holidays,
  };
}

type Segment = [start: number, end: number];

function isHoliday(schedule: Schedule, day: DateTime): boolean {
  const date = day.toISODate()!;
  const monthDay = date.slice(5);
  return schedule.holidays.some((h) => h.date === date || (h.recurring && h.date.slice(5) === monthDay));
}

/** The open spans (epoch ms) of the intervals that start on `day` (local midnight); none on a holiday. */
function segmentsOfDay(schedule: Schedule, day: DateTime): Segment[] {
  if (isHoliday(schedule, day)) return [];
  const weekday = day.weekday as Weekday;
  const at = (base: DateTime, minutes: number) =>
    minutes === 24 * 60
      ? base.plus({ days: 1 }).startOf('day')
      : base.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
  return schedule.intervals
    .filter((i) => i.day === weekday)
    .map((i): Segment => {
      const startMinutes = minutesOf(i.start);
      const endMinutes = minutesOf(i.end);
      const start = at(day, startMinutes);
      const end =
        endMinutes <= startMinutes
          ? at(day.plus({ days: 1 }).startOf('day'), endMinutes)
          : at(day, endMinutes);
      return [start.toMillis(), end.toMillis()];
    })
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
}

/** Open spans starting on the days from `fromDay` for `days` days, in order, touching ones merged. */
function segments(schedule: Schedule, fromDay: DateTime, days: number): Segment[] {
  const all: Segment[] = [];
  for (let k = 0; k < days; k++)
    all.push(...segmentsOfDay(schedule, fromDay.plus({ days: k }).startOf('day')));
  all.sort((a, b) => a[0] - b[0]);
  const merged: Segment[] = [];
  for (const segment of all) {
    const last = merged[merged.length - 1];
    if (last && segment[0] <= last[1]) last[1] = Math.max(last[1], segment[1]);
    else merged.push([...segment]);
  }
  return merged;
}

const localDay = (schedule: Schedule, at: Date) =>
  DateTime.fromJSDate(at, { zone: schedule.time_zone }).startOf('day');

/** Whether `at` falls in an open interval (the start is open, the end is not). */
export function isOpenAt(schedule: Schedule, at: Date): boolean {
  const t = at.getTime();
  return segments(schedule, localDay(schedule, at).minus({ days: 1 }), 2).some(([s, e]) => s <= t && t < e);
}

/**
 * When the closed period around `at` began: the end of the last open span before it; null when the
 * schedule was not open within the horizon (the period then has no start we can name).
 */
export function closedSince(schedule: Schedule, at: Date): Date | null {
  const t = at.getTime();
  const today = localDay(schedule, at);
  for (let k = 0; k <= HORIZON_DAYS; k += 7) {
    const ends = segments(schedule, today.minus({ days: k + 7 }), 8)
      .map(([, e]) => e)
      .filter((e) => e <= t);
    if (ends.length) return new Date(Math.max(...ends));
  }
  return null;
}

/** The next moment after `at` at which the schedule opens or closes; null if none within the horizon. */
export function nextChange(schedule: Schedule, at: Date): Date | null {
  const t = at.getTime();
  const start = localDay(schedule, at).minus({ days: 1 });
  for (let k = 0; k <= HORIZON_DAYS; k += 7) {
    for (const [s, e] of segments(schedule, start.plus({ days: k }), 8)) {
      if (s > t) return new Date(s);
      if (e > t) return new Date(e);
    }
  }
  return null;
}

/**
 * The moment `minutes` of open time have passed after `from` (business-hours-aware deadlines);
 * null when the schedule has no open time within the horizon.
 */
export function addOpenMinutes(schedule: Schedule, from: Date, minutes: number): Date | null {
  let remaining = minutes * 60_000;
  let cursor = from.getTime();
  const start = localDay(schedule, from).minus({ days: 1 });
  for (let k = 0; k <= HORIZON_DAYS; k += 7) {
    for (const [s, e] of segments(schedule, start.plus({ days: k }), 7)) {
      if (e <= cursor) continue;
      const begin = Math.max(s, cursor);
      if (remaining <= e - begin) return new Date(begin + remaining);
      remaining -= e - begin;
      cursor = e;
    }
  }
  return null;
}
