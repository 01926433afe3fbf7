import { AppError } from '@parley/errors/app-error';
import { checkButtons, checkButtonsFor } from './link-buttons';

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

describe('checkButtons: payload buttons', () => {
  it('keeps payload buttons beside link buttons', () => {
    expect(checkButtons([[{ caption: ' Yes ', payload: 'yes' }, button()]])).toEqual([
      [{ caption: 'Yes', payload: 'yes' }, button()],
    ]);
  });

  it.each([
    ['both a url and a payload', [[{ caption: 'Both', payload: 'p', url: 'https://a.example' }]], /both/],
    ['an empty payload', [[{ caption: 'Empty', payload: '' }]], /payload of 1 to 1000/],
    ['a payload that is not text', [[{ caption: 'Number', payload: 7 }]], /payload of 1 to 1000/],
    ['a payload over 1000 characters', [[{ caption: 'Long', payload: 'x'.repeat(1001) }]], /payload of 1 to 1000/],
    ['a payload with control characters', [[{ caption: 'Ctl', payload: 'a\u0000b' }]], /control characters/],
  ])('refuses %s', (_name, raw, reason) => {
    expect(refusal(raw)).toMatch(reason);
  });
});

describe('checkButtonsFor: what the platform shows', () => {
  const telegram = { linkButtons: true, payloadButtons: { maxPayloadBytes: 64 } };
  const instagram = { linkButtons: false, payloadButtons: { maxPayloadBytes: 1000, maxCaptionLength: 20 } };
  const linksOnly = { linkButtons: true };
  const codeOf = (run: () => void) => {
    try {
      run();
      return 'accepted';
    } catch (error) {
      return (error as AppError).code;
    }
  };

  it.each([
    ['a 64-byte callback_data on Telegram', telegram, [[{ caption: 'Ok', payload: 'x'.repeat(64) }]], 'accepted'],
    ['a 65-byte callback_data on Telegram', telegram, [[{ caption: 'Ok', payload: 'x'.repeat(65) }]], 'buttons_invalid'],
    // 33 characters of two bytes each: 66 bytes, over Telegram's 64.
    ['a payload measured in bytes, not characters', telegram, [[{ caption: 'Ok', payload: 'ب'.repeat(33) }]], 'buttons_invalid'],
    ['a link button on Instagram', instagram, [[button()]], 'buttons_unsupported'],
    ['a 21-character title on Instagram', instagram, [[{ caption: 'x'.repeat(21), payload: 'p' }]], 'buttons_invalid'],
    ['a quick reply on Instagram', instagram, [[{ caption: 'Track', payload: 'TRACK' }]], 'accepted'],
    ['a payload button where only links are shown', linksOnly, [[{ caption: 'Ok', payload: 'p' }]], 'buttons_unsupported'],
  ])('%s: %s', (_name, support, buttons, expected) => {
    expect(codeOf(() => checkButtonsFor(buttons, 'x', support))).toBe(expected);
  });
});
