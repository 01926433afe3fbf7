import { setImmediate as nextTurn } from 'node:timers/promises';
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { AppError } from '@parley/errors/app-error';
import type { LocalizedText } from '@parley/errors/translate';

/**
 * Admins' blocked patterns run on RE2 (re2js): matching time is linear in the text, whatever the
 * pattern, so no pattern can backtrack for ever. Linear is not free, though: a pattern whose
 * automaton blows up falls back to RE2's NFA, which costs about (text length × program size).
 * Three bounds keep one message's check short and the event loop free:
 * - only the first SCAN_CHARS of a text are matched. Replies are already held to the platform's
 *   length (Telegram 4096, Instagram 1000) and a genuine Telegram or Instagram message is never
 *   longer, so the cap changes nothing for them; it bounds what a longer inbound text (a forged or
 *   future channel's) can cost;
 * - a pattern's compiled program may not exceed MAX_PROGRAM_SIZE instructions (refused when set);
 * - matching yields to the event loop between patterns, so health checks and other tenants'
 *   requests are served while a long list is checked.
 */
export const SCAN_CHARS = 4096;
export const MAX_PROGRAM_SIZE = 200;
export const MAX_PATTERNS = 50;
export const MAX_PATTERN_LENGTH = 200;

const FLAGS = RE2JS.CASE_INSENSITIVE;
const CACHE_SIZE = 2000;

type Reason = keyof typeof REASONS;

/** Why a pattern was refused, in words an admin can act on. */
const REASONS = {
  lookaround: {
    en: 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported',
    fa: 'نگاه به جلو و عقب ((?=، (?!، (?<=، (?<!) پشتیبانی نمی‌شود',
    ar: 'النظر إلى الأمام والخلف ((?=، (?!، (?<=، (?<!) غير مدعوم',
  },
  perl_syntax: {
    en: 'this (?…) group syntax is not supported',
    fa: 'این نحو گروه (?…) پشتیبانی نمی‌شود',
    ar: 'صيغة المجموعة (?…) هذه غير مدعومة',
  },
  escape: {
    en: 'unsupported escape (backreferences such as \\1 are not supported)',
    fa: 'گریزِ پشتیبانی‌نشده (ارجاع به گروه مانند \\1 پشتیبانی نمی‌شود)',
    ar: 'تسلسل هروب غير مدعوم (الإحالات الخلفية مثل \\1 غير مدعومة)',
  },
  parentheses: {
    en: 'unbalanced parentheses',
    fa: 'پرانتزها جفت نیستند',
    ar: 'الأقواس غير متوازنة',
  },
  bracket: {
    en: 'a character class is missing its closing ]',
    fa: 'کلاس نویسه‌ها ] پایانی ندارد',
    ar: 'فئة المحارف تنقصها ] الختامية',
  },
  range: {
    en: 'an invalid character range',
    fa: 'بازهٔ نویسه‌ها نامعتبر است',
    ar: 'نطاق محارف غير صالح',
  },
  repetition: {
    en: 'a repetition (*, +, ?, {n}) is misplaced or repeats nothing',
    fa: 'تکرار (*، +، ?، {n}) جای نادرستی دارد یا چیزی را تکرار نمی‌کند',
    ar: 'التكرار (*، +، ?، {n}) في غير موضعه أو لا يكرر شيئًا',
  },
  count: {
    en: 'repeat counts must be between 0 and 1000, nested ones multiplied together',
    fa: 'تعداد تکرار باید بین ۰ و ۱۰۰۰ باشد (تکرارهای تودرتو در هم ضرب می‌شوند)',
    ar: 'يجب أن يكون عدد التكرار بين 0 و1000 (تُضرب التكرارات المتداخلة معًا)',
  },
  backslash: {
    en: 'it ends with a lone backslash',
    fa: 'با یک بک‌اسلش تنها تمام می‌شود',
    ar: 'ينتهي بشرطة مائلة عكسية منفردة',
  },
  group_name: {
    en: 'an invalid or repeated group name',
    fa: 'نام گروه نامعتبر یا تکراری است',
    ar: 'اسم مجموعة غير صالح أو مكرر',
  },
  too_complex: {
    en: 'it is too complex and would slow down every message',
    fa: 'بیش از حد پیچیده است و همهٔ پیام‌ها را کند می‌کند',
    ar: 'معقد جدًا وسيبطئ كل رسالة',
  },
  invalid: {
    en: 'it is not a valid regular expression',
    fa: 'عبارت منظم معتبری نیست',
    ar: 'ليس تعبيرًا نمطيًا صالحًا',
  },
} satisfies Record<string, LocalizedText>;

/** re2js's error descriptions (fixed strings of its parser) → our reason. */
const BY_RE2_ERROR: Record<string, Reason> = {
  'invalid or unsupported Perl syntax': 'perl_syntax',
  'invalid named capture': 'group_name',
  'invalid escape sequence': 'escape',
  'missing closing )': 'parentheses',
  'unexpected )': 'parentheses',
  'missing closing ]': 'bracket',
  'invalid character class range': 'range',
  'invalid nested repetition operator': 'repetition',
  'missing argument to repetition operator': 'repetition',
  'invalid repeat count': 'count',
  'trailing backslash at end of expression': 'backslash',
  'duplicate capture group name': 'group_name',
  'expression nests too deeply': 'too_complex',
  'expression too large': 'too_complex',
};

export type Compiled = { ok: true; pattern: RE2JS } | { ok: false; reason: Reason };

const cache = new Map<string, Compiled>();

/** Compiles one pattern (case-insensitive, Unicode), or says why not; cached, so each is compiled once per process. */
export function compilePattern(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  const compiled = compile(source);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

function compile(source: string): Compiled {
  try {
    const pattern = RE2JS.compile(source, FLAGS);
    if (pattern.programSize() > MAX_PROGRAM_SIZE) return { ok: false, reason: 'too_complex' };
    return { ok: true, pattern };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
}

function reasonOf(error: unknown): Reason {
  if (!(error instanceof RE2JSSyntaxException)) return 'invalid';
  // Lookaround gets its own words: RE2 reports (?= as Perl syntax and (?<= as a bad group name.
  if (/^\(\?<?[=!]/.test(error.getPattern() ?? '')) return 'lookaround';
  return BY_RE2_ERROR[error.getDescription()] ?? 'invalid';
}

/**
 * Refuses, with 400 validation_failed naming each pattern and why (in en, fa and ar), a list
 * containing a pattern RE2 cannot run within the bounds above.
 */
export function assertUsablePatterns(patterns: readonly string[]): void {
  const refused = patterns.flatMap((pattern, index) => {
    const compiled = compilePattern(pattern);
    return compiled.ok ? [] : [{ index, pattern, reason: compiled.reason }];
  });
  if (!refused.length) return;
  const sentence = {
    en: (p: string, why: string) =>
      `the blocked pattern "${p}" cannot be used as a regular expression: ${why}`,
    fa: (p: string, why: string) => `الگوی مسدود «${p}» به‌عنوان عبارت منظم قابل استفاده نیست: ${why}`,
    ar: (p: string, why: string) => `لا يمكن استخدام النمط المحظور «${p}» كتعبير نمطي: ${why}`,
  };
  const problems = Object.fromEntries(
    (['en', 'fa', 'ar'] as const).map((locale) => [
      locale,
      refused.map((r) => sentence[locale](r.pattern, REASONS[r.reason][locale])).join('; '),
    ]),
  ) as LocalizedText;
  throw new AppError(
    'validation_failed',
    400,
    { problems },
    refused.map((r) => ({
      field: `spam.patterns.${r.index}`,
      pattern: r.pattern,
      reason: r.reason,
      problems: [REASONS[r.reason].en],
    })),
  );
}

/**
 * Whether the text (its first SCAN_CHARS) matches any of the patterns. A stored pattern RE2
 * cannot run (saved before patterns ran on RE2) never matches: an admin's mistake must not block
 * messages. Yields to the event loop between patterns.
 */
export async function matchesAnyPattern(patterns: readonly string[], text: string): Promise<boolean> {
  const scanned = text.length > SCAN_CHARS ? text.slice(0, SCAN_CHARS) : text;
  for (const [index, source] of patterns.entries()) {
    if (index > 0) await nextTurn();
    const compiled = compilePattern(source);
    if (compiled.ok && compiled.pattern.test(scanned)) return true;
  }
  return false;
}
