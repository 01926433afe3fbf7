import type { ContactView } from '@parley/contract/views';
import i18next, { locale } from '../i18n';

/**
 * What to call a contact: its name, else its handle, phone or e-mail; an anonymous website visitor
 * gets "Visitor" and the start of its id, so two of them can be told apart in the inbox.
 */
export function contactName(contact: Pick<ContactView, 'id' | 'name' | 'username'> & Partial<ContactView>): string {
  return (
    contact.name ??
    contact.username ??
    contact.phone ??
    contact.email ??
    i18next.t('anonymousContact', { code: contact.id.slice(0, 4).toUpperCase() })
  );
}

/** Time of day for today, else a short date: localized (Persian calendar under fa-IR). */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return new Intl.DateTimeFormat(locale(), sameDay ? { timeStyle: 'short' } : { dateStyle: 'short' }).format(
    date,
  );
}

export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function relative(iso: string): string {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(seconds, 'second');
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86400), 'day');
}

/** m:ss in the locale's digits. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const number = new Intl.NumberFormat(locale(), { minimumIntegerDigits: 2 });
  return `${new Intl.NumberFormat(locale()).format(Math.floor(whole / 60))}:${number.format(whole % 60)}`;
}

/** "5h 12m" style, localized through Intl units. */
export function span(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  const hours = Math.floor(minutes / 60);
  const unit = (value: number, u: 'hour' | 'minute') =>
    new Intl.NumberFormat(locale(), { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  return hours > 0 ? `${unit(hours, 'hour')} ${unit(minutes % 60, 'minute')}` : unit(minutes, 'minute');
}

export function number(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

/** An hourly bucket's label: the hour, with the day at midnight. */
export function hourLabel(iso: string): string {
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions =
    date.getHours() === 0 ? { month: 'short', day: 'numeric' } : { hour: 'numeric', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale(), options).format(date);
}
