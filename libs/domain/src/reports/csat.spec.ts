import { randomUUID } from 'node:crypto';
import { checkButtons, checkButtonsFor } from '../link-buttons';
import { ratingButtons } from './csat.service';

describe('rating buttons', () => {
  const buttons = ratingButtons(randomUUID());

  it('are five payload buttons, 1 to 5, in rows of three', () => {
    expect(buttons.map((row) => row.length)).toEqual([3, 2]);
    expect(buttons.flat().map((b) => b.payload.split(':')[2])).toEqual(['1', '2', '3', '4', '5']);
    expect(checkButtons(buttons)).toEqual(buttons);
  });

  it.each([
    [
      'telegram (callback_data at most 64 bytes)',
      { linkButtons: true, payloadButtons: { maxPayloadBytes: 64 } },
    ],
    [
      'instagram (quick reply titles at most 20 characters)',
      { linkButtons: false, payloadButtons: { maxPayloadBytes: 1000, maxCaptionLength: 20 } },
    ],
    ['divar', { linkButtons: true, payloadButtons: { maxPayloadBytes: 500 } }],
    ['web', { linkButtons: true, payloadButtons: { maxPayloadBytes: 200, maxCaptionLength: 40 } }],
  ])('fit %s', (platform, support) => {
    expect(() => checkButtonsFor(buttons, platform, support)).not.toThrow();
  });

  it('cannot go where a platform has no answer buttons', () => {
    expect(() => checkButtonsFor(buttons, 'none', { linkButtons: true })).toThrow();
  });
});
