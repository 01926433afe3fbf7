import { AppError } from '@parley/errors/app-error';
import { toE164 } from './contact.service';

describe('toE164', () => {
  it.each([
    ['+98 912 123 4567', '+989121234567'],
    ['+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷', '+989121234567'],
    ['+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧', '+966501234567'],
    ['0044 20 7946 0958', '+442079460958'],
    ['+1 (415) 555-2671', '+14155552671'],
  ])('%s → %s', (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each(['12345', 'not a phone', '+98 12', ''])('refuses %p', (input) => {
    expect(() => toE164(input)).toThrow(AppError);
  });
});
