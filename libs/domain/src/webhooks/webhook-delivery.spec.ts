import { backoffMs, parseRetryAfter } from './webhook-delivery.service';

describe('webhook retry timing', () => {
  it.each([
    [1, 0, 10_000],
    [2, 0, 20_000],
    [3, 0, 40_000],
    [1, 0.999, 14_995],
    [20, 0, 3_600_000],
    [20, 1, 5_400_000],
  ])(
    'attempt %i with jitter %d waits %i ms (base 10 s, capped at an hour, jitter only adds)',
    (attempt, random, ms) => {
      expect(backoffMs(attempt, 10_000, 3_600_000, random)).toBe(ms);
    },
  );

  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Mon, 30 Nov 2026 08:00:30 GMT', 30_000],
    ['Mon, 30 Nov 2026 07:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [undefined, null],
  ])('Retry-After %p is %p ms', (value, ms) => {
    expect(parseRetryAfter(value, Date.parse('2026-11-30T08:00:00Z'))).toBe(ms);
  });
});
