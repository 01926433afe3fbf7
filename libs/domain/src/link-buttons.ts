import type { ReplyButton } from '@parley/contract/views';
import { AppError } from '@parley/errors/app-error';

/** Divar's grid (divar.md §5): at most 3 rows of 3 buttons; Telegram takes the same within its own limits. */
export const MAX_BUTTON_ROWS = 3;
export const MAX_BUTTONS_PER_ROW = 3;
/** Captions are short labels; neither platform documents more room than this. */
export const MAX_CAPTION_LENGTH = 40;
export const MAX_BUTTON_URL_LENGTH = 2048;
/** The longest payload any platform takes (Instagram's quick replies); each platform may take less. */
export const MAX_PAYLOAD_LENGTH = 1000;

/** What reply buttons a platform shows, as the checks before a reply is stored need to know. */
export interface ButtonSupport {
  linkButtons: boolean;
  payloadButtons?: { maxPayloadBytes: number; maxCaptionLength?: number };
}

const invalid = (reason: string) => new AppError('buttons_invalid', 400, { reason });

/**
 * A reply's buttons as stored and sent, or null for none; anything else is refused with
 * `buttons_invalid` and the first thing wrong: rows of 1–3 buttons, at most 3 rows, a caption of
 * 1–40 characters, and either an absolute https URL without credentials (a link button) or a
 * payload of 1–1000 characters without control characters (a payload button), not both.
 */
export function checkButtons(raw: unknown): ReplyButton[][] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw invalid('buttons are rows (an array of arrays)');
  if (!raw.length) return null;
  if (raw.length > MAX_BUTTON_ROWS) throw invalid(`at most ${MAX_BUTTON_ROWS} rows`);
  return raw.map((row: unknown, r) => {
    if (!Array.isArray(row) || !row.length) throw invalid(`row ${r + 1} must hold at least one button`);
    if (row.length > MAX_BUTTONS_PER_ROW) throw invalid(`at most ${MAX_BUTTONS_PER_ROW} buttons in a row`);
    return row.map((button: unknown, b) => {
      const where = `button ${b + 1} of row ${r + 1}`;
      const { caption, url, payload } = (typeof button === 'object' && button !== null ? button : {}) as Record<
        string,
        unknown
      >;
      const label = typeof caption === 'string' ? caption.trim() : '';
      if (!label || [...label].length > MAX_CAPTION_LENGTH)
        throw invalid(`${where} needs a caption of 1 to ${MAX_CAPTION_LENGTH} characters`);
      if (/\p{Cc}/u.test(label)) throw invalid(`${where}: the caption has control characters`);
      if (payload !== undefined) {
        if (url !== undefined) throw invalid(`${where} has both a url and a payload`);
        if (typeof payload !== 'string' || !payload.length || payload.length > MAX_PAYLOAD_LENGTH)
          throw invalid(`${where} needs a payload of 1 to ${MAX_PAYLOAD_LENGTH} characters`);
        if (/\p{Cc}/u.test(payload)) throw invalid(`${where}: the payload has control characters`);
        return { caption: label, payload };
      }
      let parsed: URL | null = null;
      try {
        parsed = typeof url === 'string' && url.length <= MAX_BUTTON_URL_LENGTH ? new URL(url) : null;
      } catch {
        parsed = null;
      }
      if (!parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password || !parsed.hostname)
        throw invalid(`${where} needs an https URL`);
      return { caption: label, url: parsed.href };
    });
  });
}

export const isPayloadButton = (button: ReplyButton): button is { caption: string; payload: string } =>
  'payload' in button;

/**
 * Whether the conversation's platform can show these buttons: a kind it has none of is
 * `buttons_unsupported` (Instagram has no link buttons); a payload or caption longer than it takes
 * is `buttons_invalid` (Telegram's callback_data is at most 64 bytes, Instagram's titles 20 characters).
 */
export function checkButtonsFor(buttons: ReplyButton[][], platform: string, support: ButtonSupport): void {
  const all = buttons.flat();
  const payloads = all.filter(isPayloadButton);
  if ((payloads.length < all.length && !support.linkButtons) || (payloads.length && !support.payloadButtons))
    throw new AppError('buttons_unsupported', 422, { platform });
  const limits = support.payloadButtons;
  if (!limits) return;
  for (const button of payloads) {
    if (Buffer.byteLength(button.payload) > limits.maxPayloadBytes)
      throw invalid(`on ${platform} a payload is at most ${limits.maxPayloadBytes} bytes ("${button.caption}")`);
    if (limits.maxCaptionLength && [...button.caption].length > limits.maxCaptionLength)
      throw invalid(`on ${platform} a caption is at most ${limits.maxCaptionLength} characters ("${button.caption}")`);
  }
}
