import { AppError } from '@parley/errors/app-error';
import { translate } from '@parley/errors/translate';
import { assertUsablePatterns, compilePattern, matchesAnyPattern, SCAN_CHARS } from './spam-patterns';

describe('blocked patterns on RE2', () => {
  it.each([
    ['a plain word list', '(casino|viagra|free\\s+crypto)'],
    ['nested repetition, which RE2 runs in linear time', '(a+)+$'],
    ['the pattern of the issue', '(\\w|\\d)+$'],
    ['Unicode classes', '[\\p{L}\\p{N}]{40,}'],
    ['Persian', 'تخفیف\\s+ویژه'],
    ['a named group', '(?<word>spam)'],
    ['word boundaries', '\\bcasino\\b'],
  ])('compiles %s', (_label, pattern) => {
    expect(compilePattern(pattern)).toMatchObject({ ok: true });
  });

  it.each([
    ['a backreference', '(a)\\1', 'escape'],
    ['a lookahead', 'buy(?=now)', 'lookaround'],
    ['a negative lookahead', '(?!x)y', 'lookaround'],
    ['a lookbehind', '(?<=free)crypto', 'lookaround'],
    ['a negative lookbehind', '(?<!x)y', 'lookaround'],
    ['an unclosed group', '(unclosed', 'parentheses'],
    ['a stray )', 'a)', 'parentheses'],
    ['an unclosed class', '[abc', 'bracket'],
    ['a reversed range', '[z-a]', 'range'],
    ['a doubled quantifier', 'a**', 'repetition'],
    ['a quantifier on nothing', '*a', 'repetition'],
    ['a repeat count over 1000', 'a{1001}', 'count'],
    ['a lone backslash at the end', 'abc\\', 'backslash'],
    ['a JavaScript \\u escape', '\\u0041', 'escape'],
    ['a program too large to check quickly', '.{1000}', 'too_complex'],
    ['nested counts over 1000 in all', '((a{100}){100}){100}', 'count'],
    ['an expression too large to compile', '(\\p{L}{1,1000}){1,1000}', 'too_complex'],
    ['an unsupported (?…) form', '(?#comment)', 'perl_syntax'],
  ])('refuses %s', (_label, pattern, reason) => {
    expect(compilePattern(pattern)).toEqual({ ok: false, reason });
  });

  it.each([
    ['Latin in another case', ['free\\s+crypto'], 'Get FREE   Crypto now', true],
    ['accented capitals', ['été'], 'ÉTÉ EN PROMO', true],
    ['Greek final sigma and capital', ['σ'], 'ΣΑΣ', true],
    ['Persian', ['تخفیف\\s+ویژه'], 'فقط امروز تخفیف   ویژه!', true],
    ['Arabic', ['عرض\\s+خاص'], 'لدينا عرض خاص اليوم', true],
    ['Persian with a Latin pattern elsewhere', ['casino', 'کازینو'], 'بهترین کازینو آنلاین', true],
    ['Persian that does not match', ['تخفیف\\s+ویژه'], 'سلام، سفارش من کجاست؟', false],
    ['the text of the issue', ['(\\w|\\d)+$'], `${'1'.repeat(34)}!`, false],
  ])('matches case-insensitively: %s', async (_label, patterns, text, expected) => {
    await expect(matchesAnyPattern(patterns, text)).resolves.toBe(expected);
  });

  it('matches only within the first SCAN_CHARS characters', async () => {
    const padding = 'x'.repeat(SCAN_CHARS);
    await expect(matchesAnyPattern(['needle'], `${padding}needle`)).resolves.toBe(false);
    await expect(matchesAnyPattern(['needle'], `needle${padding}`)).resolves.toBe(true);
  });

  it('never matches with a stored pattern it cannot run, and still checks the others', async () => {
    await expect(matchesAnyPattern(['(?=x)', 'spam'], 'SPAM')).resolves.toBe(true);
    await expect(matchesAnyPattern(['(?=x)'], 'x')).resolves.toBe(false);
  });

  it('refuses a list with unusable patterns as validation_failed, naming each in en, fa and ar', () => {
    let error: AppError | undefined;
    try {
      assertUsablePatterns(['ok', '(a)\\1', 'x(?=y)']);
    } catch (e) {
      error = e as AppError;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'validation_failed', statusCode: 400 });
    expect(error!.details).toEqual([
      expect.objectContaining({ field: 'spam.patterns.1', pattern: '(a)\\1', reason: 'escape' }),
      expect.objectContaining({ field: 'spam.patterns.2', pattern: 'x(?=y)', reason: 'lookaround' }),
    ]);
    const en = translate('validation_failed', 'en', error!.params);
    expect(en).toContain('"(a)\\1" cannot be used as a regular expression: unsupported escape');
    expect(en).toContain('"x(?=y)" cannot be used as a regular expression: lookahead and lookbehind');
    expect(translate('validation_failed', 'fa', error!.params)).toMatch(
      /«\(a\)\\1».*عبارت منظم.*«x\(\?=y\)»/,
    );
    expect(translate('validation_failed', 'ar', error!.params)).toMatch(
      /«\(a\)\\1».*تعبير نمطي.*«x\(\?=y\)»/,
    );
    expect(() => assertUsablePatterns(['free\\s+crypto', '(a+)+$'])).not.toThrow();
  });
});
