import { CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

/** Persian (۰-۹) and Arabic-Indic (٠-٩) digits as ASCII; bidi marks and full-width plus dropped. */
export function westernDigits(text: string): string {
  return text
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/\uFF0B/g, '+');
}

/** A supported ISO 3166 alpha-2 region, upper-cased; null for anything else. */
export function phoneRegionOf(value: string | null | undefined): CountryCode | null {
  const code = value?.trim().toUpperCase();
  return code && /^[A-Z]{2}$/.test(code) && isSupportedCountry(code) ? (code as CountryCode) : null;
}

/**
 * A number as typed or exported anywhere (spaces, dashes, dots, parentheses, a `00` or `+` prefix,
 * Persian or Arabic digits, a `tel:` URI) in E.164, reading a national number (`0912…`) in the
 * workspace's region; null when it is not a valid number.
 */
export function normalizePhone(input: string, region?: string | null): string | null {
  let text = westernDigits(input).trim().replace(/^tel:/i, '');
  if (!text || text.length > 40) return null;
  text = text.replace(/^00(?=\d)/, '+');
  const defaultCountry = phoneRegionOf(region) ?? undefined;
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  return parsed && parsed.isValid() ? parsed.number : null;
}
