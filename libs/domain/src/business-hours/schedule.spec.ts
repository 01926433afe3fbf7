import { AppError } from '@parley/errors/app-error';
import { addOpenMinutes, checkSchedule, closedSince, isOpenAt, nextChange, Schedule } from './schedule';

const weekdays9to17 = (zone: string, extra: Partial<Schedule> = {}): Schedule => ({
  time_zone: zone,
  intervals: [1, 2, 3, 4, 5].map((day) => ({ day: day as 1, start: '09:00', end: '17:00' })),
  holidays: [],
  ...extra,
});

const problemOf = (input: Schedule): string => {
  try {
    checkSchedule(input);
    return 'accepted';
  } catch (error) {
    return (error as AppError).code;
  }
};

describe('business hours schedule', () => {
  const tehran = weekdays9to17('Asia/Tehran');

  it.each([
    ['2026-12-07T08:59:59+03:30', false],
    ['2026-12-07T09:00:00+03:30', true],
    ['2026-12-07T16:59:59+03:30', true],
    ['2026-12-07T17:00:00+03:30', false],
    ['2026-12-12T10:00:00+03:30', false],
  ])('in Asia/Tehran, Monday to Friday 09:00–17:00, %s is open: %s', (at, open) => {
    expect(isOpenAt(tehran, new Date(at))).toBe(open);
  });

  it('an overnight interval is open past midnight into the next day', () => {
    const night = {
      time_zone: 'UTC',
      intervals: [{ day: 1 as const, start: '22:00', end: '02:00' }],
      holidays: [],
    };
    expect(isOpenAt(night, new Date('2026-12-08T01:30:00Z'))).toBe(true);
    expect(isOpenAt(night, new Date('2026-12-08T02:00:00Z'))).toBe(false);
    expect(isOpenAt(night, new Date('2026-12-07T21:59:00Z'))).toBe(false);
  });

  it('a holiday closes its day; a recurring one every year', () => {
    const once = weekdays9to17('Asia/Tehran', { holidays: [{ date: '2026-12-07' }] });
    expect(isOpenAt(once, new Date('2026-12-07T10:00:00+03:30'))).toBe(false);
    expect(isOpenAt(once, new Date('2026-12-08T10:00:00+03:30'))).toBe(true);
    const yearly = weekdays9to17('Asia/Tehran', { holidays: [{ date: '2020-03-23', recurring: true }] });
    expect(isOpenAt(yearly, new Date('2026-03-23T10:00:00+03:30'))).toBe(false);
  });

  it('follows daylight saving time: 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer', () => {
    const ny = weekdays9to17('America/New_York');
    expect(isOpenAt(ny, new Date('2026-01-05T14:00:00Z'))).toBe(true);
    expect(isOpenAt(ny, new Date('2026-01-05T13:30:00Z'))).toBe(false);
    expect(isOpenAt(ny, new Date('2026-07-06T13:00:00Z'))).toBe(true);
  });

  it('the closed period began when the last open interval ended (Friday evening for a Monday morning)', () => {
    expect(closedSince(tehran, new Date('2026-12-07T08:00:00+03:30'))?.toISOString()).toBe(
      new Date('2026-12-04T17:00:00+03:30').toISOString(),
    );
    expect(closedSince({ ...tehran, intervals: [] }, new Date('2026-12-07T08:00:00Z'))).toBeNull();
  });

  it('names the next opening and closing', () => {
    expect(nextChange(tehran, new Date('2026-12-05T12:00:00+03:30'))?.toISOString()).toBe(
      new Date('2026-12-07T09:00:00+03:30').toISOString(),
    );
    expect(nextChange(tehran, new Date('2026-12-07T12:00:00+03:30'))?.toISOString()).toBe(
      new Date('2026-12-07T17:00:00+03:30').toISOString(),
    );
  });

  it('counts only open minutes: 60 minutes asked at Friday 16:30 are due Monday 09:30', () => {
    expect(addOpenMinutes(tehran, new Date('2026-12-04T16:30:00+03:30'), 60)?.toISOString()).toBe(
      new Date('2026-12-07T09:30:00+03:30').toISOString(),
    );
    expect(addOpenMinutes(tehran, new Date('2026-12-05T03:00:00+03:30'), 30)?.toISOString()).toBe(
      new Date('2026-12-07T09:30:00+03:30').toISOString(),
    );
  });

  it.each<[string, Schedule, string]>([
    ['a made-up zone', weekdays9to17('Mars/Olympus'), 'hours_invalid'],
    ['an offset instead of a zone', weekdays9to17('+03:30 ; DROP'), 'hours_invalid'],
    [
      'overlapping intervals on one day',
      {
        time_zone: 'UTC',
        intervals: [
          { day: 1, start: '09:00', end: '12:00' },
          { day: 1, start: '11:00', end: '13:00' },
        ],
        holidays: [],
      },
      'hours_invalid',
    ],
    [
      'a Sunday night interval running into Monday morning hours',
      {
        time_zone: 'UTC',
        intervals: [
          { day: 7, start: '22:00', end: '10:00' },
          { day: 1, start: '09:00', end: '12:00' },
        ],
        holidays: [],
      },
      'hours_invalid',
    ],
    [
      'a bad time',
      { time_zone: 'UTC', intervals: [{ day: 1, start: '9am', end: '12:00' }], holidays: [] },
      'hours_invalid',
    ],
    [
      'weekday 8',
      { time_zone: 'UTC', intervals: [{ day: 8 as 1, start: '09:00', end: '12:00' }], holidays: [] },
      'hours_invalid',
    ],
    [
      'a bad holiday',
      { time_zone: 'UTC', intervals: [], holidays: [{ date: '2026-02-30' }] },
      'hours_invalid',
    ],
    [
      'back-to-back intervals',
      {
        time_zone: 'UTC',
        intervals: [
          { day: 1, start: '09:00', end: '12:00' },
          { day: 1, start: '12:00', end: '24:00' },
        ],
        holidays: [],
      },
      'accepted',
    ],
  ])('refuses or accepts %s', (_name, input, outcome) => {
    expect(problemOf(input)).toBe(outcome);
  });
});
