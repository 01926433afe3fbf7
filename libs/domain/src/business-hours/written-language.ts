import type { EntityManager } from 'typeorm';
import type { WidgetLanguage } from '@parley/contract/widget';

/** Letters Persian has and Arabic lacks (پ چ ژ گ, and Persian's own ک and ی). */
const PERSIAN_ONLY = /[\u067E\u0686\u0698\u06AF\u06A9\u06CC]/;
const ARABIC_SCRIPT = /[\u0600-\u06FF]/;
const LATIN = /[A-Za-z]/;

/**
 * The language a text is written in, as far as its letters tell: Persian, Arabic or (Latin
 * letters) English; null when they tell nothing (digits, emoji).
 */
export function languageOfText(text: string): WidgetLanguage | null {
  if (PERSIAN_ONLY.test(text)) return 'fa';
  if (ARABIC_SCRIPT.test(text)) return 'ar';
  if (LATIN.test(text)) return 'en';
  return null;
}

/**
 * The language the conversation's customer writes in, read from their newest messages that tell
 * (chat platforms say nothing of a customer's language, the words do).
 */
export async function writtenLanguage(
  manager: EntityManager,
  workspaceId: string,
  conversationId: string,
): Promise<WidgetLanguage | null> {
  const rows: { content: string }[] = await manager.query(
    `SELECT content FROM message
      WHERE workspace_id = $1 AND conversation_id = $2 AND type = 'customer' AND deleted_at IS NULL
        AND content <> '' AND button IS NULL
      ORDER BY seq DESC LIMIT 5`,
    [workspaceId, conversationId],
  );
  for (const row of rows) {
    const language = languageOfText(row.content);
    if (language) return language;
  }
  return null;
}
