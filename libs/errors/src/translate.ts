import type { ErrorCode } from '@parley/contract/error-codes';
import { ar } from './i18n/ar';
import { en } from './i18n/en';
import { fa } from './i18n/fa';

const catalogs = { en, fa, ar } as const;
export type Locale = keyof typeof catalogs;

/** A parameter whose words depend on the reader's language (why a pattern was refused, say). */
export type LocalizedText = Record<Locale, string>;
export type ErrorParam = string | number | LocalizedText;

/** Picks en, fa or ar from an Accept-Language header, honouring q-values; English otherwise. */
export function pickLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return (ranked.find((entry) => entry.lang in catalogs)?.lang as Locale | undefined) ?? 'en';
}

export function translate(code: ErrorCode, locale: Locale, params: Record<string, ErrorParam> = {}): string {
  const template: string = catalogs[locale][code] ?? en[code];
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) return `{${key}}`;
    return typeof value === 'object' ? value[locale] : String(value);
  });
}
