import { isRtl, pickLanguage, STRINGS, translator } from './i18n';

describe("the widget's language", () => {
  it.each([
    { offered: ['en', 'fa'], asked: 'fa', browser: ['en-US'], expected: 'fa' },
    { offered: ['en', 'fa'], asked: null, browser: ['fa-IR', 'en'], expected: 'fa' },
    { offered: ['en', 'fa'], asked: 'ar', browser: ['de-DE', 'en-GB'], expected: 'en' },
    { offered: ['ar', 'en'], asked: null, browser: ['de-DE'], expected: 'ar' },
    { offered: [], asked: 'fa', browser: [], expected: 'en' },
  ] as const)('$asked with a browser in $browser and $offered offered speaks $expected', (c) => {
    expect(pickLanguage(c.offered, c.asked, c.browser)).toBe(c.expected);
  });

  it('runs right to left in fa and ar only', () => {
    expect([isRtl('en'), isRtl('fa'), isRtl('ar')]).toEqual([false, true, true]);
  });

  it('has every string in every language, with the same placeholders', () => {
    const keys = Object.keys(STRINGS.en).sort();
    for (const language of ['fa', 'ar'] as const) {
      expect(Object.keys(STRINGS[language]).sort()).toEqual(keys);
      for (const key of keys as (keyof typeof STRINGS.en)[]) {
        const names = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
        expect([key, names(STRINGS[language][key])]).toEqual([key, names(STRINGS.en[key])]);
      }
    }
    expect(translator('en')('typing', { name: 'Sara' })).toBe('Sara is typing…');
  });
});
