import type { LinkButton } from '@parley/contract/views';
import { AppError } from '@parley/errors/app-error';

/** Divar's grid (divar.md §5): at most 3 rows of 3 buttons; Telegram takes the same within its own limits. */
export const MAX_BUTTON_ROWS = 3;
export const MAX_BUTTONS_PER_ROW = 3;
/** Captions are short labels; neither platform documents more room than this. */
export const MAX_CAPTION_LENGTH = 40;
export const MAX_BUTTON_URL_LENGTH = 2048;

const invalid = (reason: string) => new AppError('buttons_invalid', 400, { reason });

/**
 * A reply's link buttons as stored and sent, or null for none; anything else is refused with
 * `buttons_invalid` and the first thing wrong: rows of 1–3 buttons, at most 3 rows, a caption of
 * 1–40 characters, an absolute https URL without credentials.
 */
export function checkButtons(raw: unknown): LinkButton[][] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw invalid('buttons are rows (an array of arrays)');
  if (!raw.length) return null;
  if (raw.length > MAX_BUTTON_ROWS) throw invalid(`at most ${MAX_BUTTON_ROWS} rows`);
  return raw.map((row: unknown, r) => {
    if (!Array.isArray(row) || !row.length) throw invalid(`row ${r + 1} must hold at least one button`);
    if (row.length > MAX_BUTTONS_PER_ROW) throw invalid(`at most ${MAX_BUTTONS_PER_ROW} buttons in a row`);
    return row.map((button: unknown, b) => {
      const where = `button ${b + 1} of row ${r + 1}`;
      const { caption, url } = (typeof button === 'object' && button !== null ? button : {}) as Record<
        string,
        unknown
      >;
      const label = typeof caption === 'string' ? caption.trim() : '';
      if (!label || [...label].length > MAX_CAPTION_LENGTH)
        throw invalid(`${where} needs a caption of 1 to ${MAX_CAPTION_LENGTH} characters`);
      if (/\p{Cc}/u.test(label)) throw invalid(`${where}: the caption has control characters`);
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
