import { ar } from './i18n/ar';
import { en } from './i18n/en';
import { fa } from './i18n/fa';
import { pickLocale, translate } from './translate';

describe('pickLocale', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['fa', 'fa'],
    ['fa-IR,fa;q=0.9,en;q=0.5', 'fa'],
    ['ar-SA', 'ar'],
    ['de-DE,ar;q=0.3,fa;q=0.7', 'fa'],
    ['de, fr', 'en'],
    ['fa;q=0, ar', 'ar'],
  ])('%p → %p', (header, locale) => {
    expect(pickLocale(header)).toBe(locale);
  });
});

describe('translate', () => {
  it('interpolates parameters in every language', () => {
    expect(translate('not_found', 'en', { resource: 'conversation' })).toBe(
      'The conversation was not found.',
    );
    expect(translate('rate_limited', 'fa', { retry_after: 5 })).toContain('5');
    expect(translate('rate_limited', 'ar', { retry_after: 5 })).toContain('5');
  });

  it('puts a localized parameter in the reader’s language', () => {
    const problems = { en: 'a bad pattern', fa: 'الگوی نادرست', ar: 'نمط خاطئ' };
    expect(translate('validation_failed', 'en', { problems })).toBe(
      'The request is not valid: a bad pattern.',
    );
    expect(translate('validation_failed', 'fa', { problems })).toContain('الگوی نادرست');
    expect(translate('validation_failed', 'ar', { problems })).toContain('نمط خاطئ');
  });

  it('has a Persian and an Arabic text for every code', () => {
    for (const code of Object.keys(en)) {
      expect(fa[code as keyof typeof fa]).toBeTruthy();
      expect(ar[code as keyof typeof ar]).toBeTruthy();
    }
  });
});
