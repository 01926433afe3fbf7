import { AppError } from '@parley/errors/app-error';
import { checkButtons } from './link-buttons';

const button = (caption = 'See the ad', url = 'https://divar.ir/v/gZd7omnS') => ({ caption, url });
const refusal = (raw: unknown) => {
  try {
    checkButtons(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('buttons_invalid');
    return String((error as AppError).params.reason);
  }
  throw new Error('accepted');
};

describe('checkButtons', () => {
  it('none is null', () => {
    expect(checkButtons(undefined)).toBeNull();
    expect(checkButtons(null)).toBeNull();
    expect(checkButtons([])).toBeNull();
  });

  it('keeps a full 3 × 3 grid, captions trimmed', () => {
    const grid = [0, 1, 2].map(() => [button(' One '), button('Two'), button('Three')]);
    const checked = checkButtons(grid)!;
    expect(checked).toHaveLength(3);
    expect(checked[0][0]).toEqual({ caption: 'One', url: 'https://divar.ir/v/gZd7omnS' });
  });

  it.each([
    ['not rows', { caption: 'x' }, 'rows'],
    ['four rows', [[button()], [button()], [button()], [button()]], 'at most 3 rows'],
    ['four in a row', [[button(), button(), button(), button()]], 'at most 3 buttons'],
    ['an empty row', [[]], 'at least one button'],
    ['no caption', [[button('  ')]], 'caption'],
    ['a caption too long', [[button('x'.repeat(41))]], 'caption'],
    ['a control character', [[button('a\u0007b')]], 'control'],
    ['http', [[button('x', 'http://example.com/')]], 'https'],
    ['javascript:', [[button('x', 'javascript:alert(1)')]], 'https'],
    ['credentials in the URL', [[button('x', 'https://user:pw@example.com/')]], 'https'],
    ['not a URL', [[button('x', 'example.com')]], 'https'],
    ['a button that is not an object', [['https://example.com']], 'caption'],
  ])('refuses %s with a clear reason', (_name, raw, words) => {
    expect(refusal(raw)).toContain(words);
  });
});
