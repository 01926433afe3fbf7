import { AppError } from '@parley/errors/app-error';
import { decodeCursor, encodeCursor } from './pagination';

describe('cursors', () => {
  it('round-trips a sort key', () => {
    const key = ['2026-11-24T10:00:00.123456Z', '6f1c8a1e-0000-4000-8000-000000000000'];
    expect(decodeCursor(encodeCursor(key), ['string', 'string'])).toEqual(key);
  });

  it.each([
    '',
    'not-base64!',
    encodeCursor(['x']),
    encodeCursor([1, 'x']),
    Buffer.from('{}').toString('base64url'),
  ])('refuses a forged cursor %p with invalid_cursor', (cursor) => {
    expect(() => decodeCursor(cursor, ['string', 'string'])).toThrow(AppError);
  });
});
