import { CARD_LIMITS, type CardField, type MessageCard } from '@parley/contract/app-actions';
import { AppError } from '@parley/errors/app-error';
import { cleanText } from '@parley/security/content';
import { checkAppUrl, type AppUrlRules } from './app-url';

const invalid = (reason: string) => new AppError('card_invalid', 400, { reason });

/** Plain text as a card shows it: cleaned like any message (no controls, no invisible tricks), trimmed. */
function text(value: unknown, what: string, max: number, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw invalid(`${what} is required`);
    return null;
  }
  if (typeof value !== 'string') throw invalid(`${what} must be text`);
  let cleaned: string;
  try {
    cleaned = cleanText(value).trim();
  } catch {
    throw invalid(`${what} is not valid UTF-8 text`);
  }
  if (!cleaned) {
    if (required) throw invalid(`${what} is required`);
    return null;
  }
  if (cleaned.length > max) throw invalid(`${what} is longer than ${max} characters`);
  return cleaned;
}

/**
 * A result card as an app posted it (`{title, text?, fields?: [{label, value}], url?}`), checked
 * whole: sizes, plain text, and a link agents may open (the same rules as an action's URL).
 */
export function checkCard(input: unknown, app: MessageCard['app'], rules: AppUrlRules): MessageCard {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid('a JSON object is required');
  const card = input as Record<string, unknown>;
  const fieldsIn = card.fields ?? [];
  if (!Array.isArray(fieldsIn)) throw invalid('fields must be a list');
  if (fieldsIn.length > CARD_LIMITS.fields) throw invalid(`at most ${CARD_LIMITS.fields} fields`);
  const fields = fieldsIn.map((field: unknown, index): CardField => {
    if (typeof field !== 'object' || field === null) throw invalid(`field ${index + 1} must be an object`);
    const { label, value } = field as Record<string, unknown>;
    return {
      label: text(label, `field ${index + 1} label`, CARD_LIMITS.labelMax, true)!,
      value: text(value, `field ${index + 1} value`, CARD_LIMITS.valueMax, true)!,
    };
  });
  let url: string | null = null;
  if (card.url !== undefined && card.url !== null)
    try {
      url = checkAppUrl(card.url, rules, 'card_invalid');
    } catch (error) {
      throw invalid(`url: ${String((error as AppError).params.reason)}`);
    }
  return {
    title: text(card.title, 'title', CARD_LIMITS.titleMax, true)!,
    text: text(card.text, 'text', CARD_LIMITS.textMax, false),
    fields,
    url,
    app,
  };
}
