import { AppError } from '@parley/errors/app-error';

// C0/C1 controls except tab, newline and carriage return (matching them is the point).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Invisible characters with no place in a chat message, and bidi overrides used for spoofing.
const INVISIBLE = /[\u200B\u2060\uFEFF\u202A-\u202E\u2066-\u2069\u00AD]/g;
// ZWNJ (Persian needs it between letters) and ZWJ (emoji sequences) stay, but not in runs.
const JOINER_RUNS = /([\u200C\u200D])[\u200C\u200D]+/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Message text as Parley stores it: always plain text (never HTML, it is never interpreted),
 * well-formed Unicode, without control or invisible-character abuse.
 */
export function cleanText(text: string): string {
  if (LONE_SURROGATE.test(text))
    throw new AppError('content_invalid', 400, { reason: 'not valid UTF-8 text' });
  if (text.includes('\uFFFD')) throw new AppError('content_invalid', 400, { reason: 'not valid UTF-8 text' });
  return text.normalize('NFC').replace(CONTROLS, '').replace(INVISIBLE, '').replace(JOINER_RUNS, '$1');
}

/** The same cleaning for what customers send: invalid sequences are replaced, never refused (never lose data). */
export function cleanInboundText(text: string): string {
  return cleanText(text.replace(LONE_SURROGATES, '').replace(/\uFFFD/g, ''));
}

export function assertLength(text: string, max: number, platform: string): void {
  // Platforms count UTF-16 code units (Telegram documents 4096 "characters" after entity parsing).
  if (text.length > max) {
    throw new AppError('message_too_long', 400, { max, platform });
  }
}
