import type { AppError } from '@parley/errors/app-error';
import { pickLocale, translate } from '@parley/errors/translate';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The page a browser lands on when an OAuth step cannot be honoured and must not redirect: no
 * token, no detail beyond the refusal, in the browser's language.
 */
export function errorPage(error: AppError, acceptLanguage: string | undefined): string {
  const locale = pickLocale(acceptLanguage);
  const rtl = locale === 'fa' || locale === 'ar';
  return `<!doctype html><html lang="${locale}" dir="${rtl ? 'rtl' : 'ltr'}"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Parley</title>
<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>Parley</h1><p id="error" data-code="${error.code}">${escapeHtml(translate(error.code, locale, error.params))}</p></body></html>`;
}
