import { normalizePhone, phoneRegionOf } from './phone';

describe('normalizePhone', () => {
  it.each([
    ['IR', '0912 123 4567', '+989121234567'],
    ['IR', '۰۹۱۲-۱۲۳-۴۵۶۷', '+989121234567'],
    ['IR', '(021) 8888 1234', '+982188881234'],
    ['IR', '00989121234567', '+989121234567'],
    ['SA', '050 123 4567', '+966501234567'],
    ['SA', '٠٥٠١٢٣٤٥٦٧', '+966501234567'],
    ['AE', '050 123 4567', '+971501234567'],
    ['AE', '04 123 4567', '+97141234567'],
    ['US', '(415) 555-2671', '+14155552671'],
    ['US', '415.555.2671', '+14155552671'],
    [null, '+98 912 123 4567', '+989121234567'],
    ['US', '+966 50 123 4567', '+966501234567'],
    ['IR', 'tel:+1-415-555-2671', '+14155552671'],
    ['IR', '\u200E+98 912 123 4567\u200F', '+989121234567'],
  ])('in %s reads %p as %s', (region, input, e164) => {
    expect(normalizePhone(input, region)).toBe(e164);
  });

  it.each([
    ['IR', '12345'],
    ['IR', 'call me'],
    [null, '0912 123 4567'],
    ['SA', ''],
    ['US', '+1 555'],
    ['IR', '0'.repeat(50)],
  ])('in %s refuses %p', (region, input) => {
    expect(normalizePhone(input, region)).toBeNull();
  });
});

describe('phoneRegionOf', () => {
  it.each([
    ['ir', 'IR'],
    [' SA ', 'SA'],
    ['XX', null],
    ['IRN', null],
    ['', null],
    [null, null],
  ])('%p → %p', (input, region) => {
    expect(phoneRegionOf(input)).toBe(region);
  });
});
