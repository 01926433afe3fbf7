import { createHash } from 'node:crypto';
import type { DivarSessionStatus } from '@parley/domain/services/divar-session.service';

/** The session page's languages: Persian first (Divar's), then English and Arabic. */
export const PAGE_LOCALES = ['fa', 'en', 'ar'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];

const TEXTS = {
  fa: {
    title: 'پشتیبانی',
    status: 'وضعیت گفتگوی شما',
    none: 'هنوز گفتگویی با تیم پشتیبانی ندارید. پیام خود را در زیر بنویسید.',
    waiting: 'در انتظار پاسخ تیم پشتیبانی',
    answered: 'تیم پشتیبانی پاسخ داده است',
    resolved: 'گفتگو بسته شده است',
    lastAnswered: 'آخرین پاسخ تیم:',
    leave: 'پیامی برای تیم پشتیبانی بگذارید',
    placeholder: 'پیام شما…',
    send: 'ارسال پیام',
    sent: 'پیام شما به تیم پشتیبانی رسید. پاسخ را در گفتگوی دیوار خواهید دید.',
    back: 'بازگشت به دیوار',
    invalid: 'این پیوند معتبر نیست. آن را دوباره از گفتگوی دیوار باز کنید.',
    expired: 'این پیوند منقضی شده است. آن را دوباره از گفتگوی دیوار باز کنید.',
    language: 'زبان',
  },
  en: {
    title: 'Support',
    status: 'Your conversation',
    none: 'You have no conversation with the support team yet. Write your message below.',
    waiting: 'Waiting for the support team',
    answered: 'The support team has answered',
    resolved: 'The conversation is resolved',
    lastAnswered: 'The team last answered:',
    leave: 'Leave a message for the support team',
    placeholder: 'Your message…',
    send: 'Send message',
    sent: 'Your message reached the support team. You will see the answer in your Divar chat.',
    back: 'Back to Divar',
    invalid: 'This link is not valid. Open it again from your Divar chat.',
    expired: 'This link has expired. Open it again from your Divar chat.',
    language: 'Language',
  },
  ar: {
    title: 'الدعم',
    status: 'حالة محادثتك',
    none: 'ليست لديك محادثة مع فريق الدعم بعد. اكتب رسالتك أدناه.',
    waiting: 'بانتظار رد فريق الدعم',
    answered: 'ردّ فريق الدعم',
    resolved: 'أُغلقت المحادثة',
    lastAnswered: 'آخر رد من الفريق:',
    leave: 'اترك رسالة لفريق الدعم',
    placeholder: 'رسالتك…',
    send: 'إرسال الرسالة',
    sent: 'وصلت رسالتك إلى فريق الدعم. سترى الرد في محادثة ديوار.',
    back: 'العودة إلى ديوار',
    invalid: 'هذا الرابط غير صالح. افتحه مجددًا من محادثة ديوار.',
    expired: 'انتهت صلاحية هذا الرابط. افتحه مجددًا من محادثة ديوار.',
    language: 'اللغة',
  },
} satisfies Record<PageLocale, Record<string, string>>;

const LANGUAGE_NAMES: Record<PageLocale, string> = { fa: 'فارسی', en: 'English', ar: 'العربية' };
const DATE_LOCALES: Record<PageLocale, string> = { fa: 'fa-IR', en: 'en-GB', ar: 'ar' };

/** `?lang=` when it names one, else the first of Accept-Language's we speak, else Persian. */
export function pageLocale(lang: unknown, acceptLanguage: string | undefined): PageLocale {
  if (typeof lang === 'string' && (PAGE_LOCALES as readonly string[]).includes(lang))
    return lang as PageLocale;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.q > 0 && (PAGE_LOCALES as readonly string[]).includes(entry.lang))
    .sort((a, b) => b.q - a.q);
  return (ranked[0]?.lang as PageLocale | undefined) ?? 'fa';
}

/** Everything interpolated into the page goes through this: text and attribute values alike. */
export const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"'`=]/g,
    (ch) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' })[
        ch
      ]!,
  );

const STYLE = `
body{margin:0;font-family:Vazirmatn,Tahoma,"Segoe UI",system-ui,sans-serif;background:#f5f6f8;color:#1d2330;line-height:1.6}
main{max-width:32rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.3rem;margin:0 0 1rem}
section{background:#fff;border-radius:.75rem;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:1rem;margin:0 0 .5rem}
.state{font-weight:600}
.waiting{color:#9a6700}.answered{color:#1a7f37}.resolved{color:#57606a}
.notice{background:#e7f5ec;color:#1a7f37}.error{background:#fdecea;color:#a40e26}
textarea{box-sizing:border-box;width:100%;min-height:7rem;font:inherit;padding:.6rem;border:1px solid #c9ced6;border-radius:.5rem}
button,.back{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:.5rem;border:0;cursor:pointer;text-decoration:none}
button{background:#a62626;color:#fff;margin-top:.6rem}
.back{background:#1d2330;color:#fff}
nav{font-size:.85rem;margin-top:1rem}nav a{margin-inline-end:.75rem;color:#57606a}
`;

/** The page's only style, allowed by its hash: the CSP allows no inline script and no other style. */
export const SESSION_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function layout(locale: PageLocale, title: string, body: string, languageHref: (l: PageLocale) => string) {
  const t = TEXTS[locale];
  const languages = PAGE_LOCALES.map(
    (l) =>
      `<a href="${escapeHtml(languageHref(l))}" hreflang="${l}" lang="${l}"${l === locale ? ' aria-current="true"' : ''}>${escapeHtml(LANGUAGE_NAMES[l])}</a>`,
  ).join('');
  return `<!doctype html>
<html lang="${locale}" dir="${locale === 'en' ? 'ltr' : 'rtl'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<nav aria-label="${escapeHtml(t.language)}">${languages}</nav>
</main>
</body>
</html>
`;
}

export interface SessionPageInput {
  locale: PageLocale;
  token: string;
  status: DivarSessionStatus;
  completionUrl: string;
  nonce: string;
  sent: boolean;
  /** A refused message, in the customer's words. */
  error: string | null;
  /** What the customer had typed, kept when the message was refused. */
  draft: string;
}

/** The page Divar opens: where the conversation stands, a form for the team, the way back to Divar. */
export function renderSessionPage(input: SessionPageInput): string {
  const { locale, status } = input;
  const t = TEXTS[locale];
  const self = (l: PageLocale) => `/divar/session/${input.token}?lang=${l}`;
  const dates = new Intl.DateTimeFormat(DATE_LOCALES[locale], {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Tehran',
  });
  const conversation = status.conversation;
  const statusHtml = conversation
    ? `<p class="state ${conversation.state}" data-testid="state" data-state="${conversation.state}">${escapeHtml(t[conversation.state])}</p>` +
      (conversation.lastAnsweredAt
        ? `<p data-testid="last-answered">${escapeHtml(t.lastAnswered)} <time datetime="${conversation.lastAnsweredAt.toISOString()}">${escapeHtml(dates.format(conversation.lastAnsweredAt))}</time></p>`
        : '')
    : `<p data-testid="state" data-state="none">${escapeHtml(t.none)}</p>`;
  const body = `<h1 dir="auto">${escapeHtml(status.channelName)} · ${escapeHtml(t.title)}</h1>
<section aria-labelledby="status-title"><h2 id="status-title">${escapeHtml(t.status)}</h2>${statusHtml}</section>
${input.sent ? `<section class="notice" role="status" data-testid="sent">${escapeHtml(t.sent)}</section>` : ''}
${input.error ? `<section class="error" role="alert" data-testid="error">${escapeHtml(input.error)}</section>` : ''}
<section>
<form method="post" action="${escapeHtml(self(locale))}" accept-charset="utf-8">
<input type="hidden" name="nonce" value="${escapeHtml(input.nonce)}">
<h2><label for="content">${escapeHtml(t.leave)}</label></h2>
<textarea id="content" name="content" dir="auto" required maxlength="4096" placeholder="${escapeHtml(t.placeholder)}">${escapeHtml(input.draft)}</textarea>
<button type="submit">${escapeHtml(t.send)}</button>
</form>
</section>
<p><a class="back" data-testid="return" href="${escapeHtml(input.completionUrl)}" rel="noreferrer">${escapeHtml(t.back)}</a></p>`;
  return layout(locale, `${status.channelName} · ${t.title}`, body, self);
}

/** An expired or forged link: said plainly, in the customer's language, with nothing else. */
export function renderInvalidLinkPage(locale: PageLocale, expired: boolean, path: string): string {
  const t = TEXTS[locale];
  const text = expired ? t.expired : t.invalid;
  return layout(
    locale,
    t.title,
    `<h1>${escapeHtml(t.title)}</h1><section class="error" role="alert" data-testid="invalid">${escapeHtml(text)}</section>`,
    (l) => `${path}?lang=${l}`,
  );
}
