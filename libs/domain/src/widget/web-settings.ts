import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PreChatField, WebChannelSettings, WIDGET_LANGUAGES, WidgetLanguage } from '@parley/contract/widget';
import { AppError } from '@parley/errors/app-error';

export const MAX_ALLOWED_ORIGINS = 50;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const PRE_CHAT_FIELDS: readonly PreChatField[] = ['off', 'optional', 'required'];

/**
 * One origin as a site sends it (`https://shop.example`, `http://localhost:3000`): scheme, host and
 * port only, lower-cased, default ports dropped; null for anything else (a path, credentials, a
 * query, another scheme, or plain http off the local machine).
 */
export function parseOrigin(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 300) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return null;
  if (url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' || /^[a-z]+:\/\/[^/]+\/./i.test(value.trim())) return null;
  return url.origin;
}

/** The allowed origins an admin typed, normalised and deduplicated; web_origins_invalid otherwise. */
export function allowedOrigins(value: unknown): string[] {
  if (!Array.isArray(value) || !value.length || value.length > MAX_ALLOWED_ORIGINS)
    throw new AppError('web_origins_invalid', 400, {
      problems: `give 1 to ${MAX_ALLOWED_ORIGINS} origins`,
    });
  const origins = value.map((v) => {
    const origin = parseOrigin(v);
    if (!origin)
      throw new AppError('web_origins_invalid', 400, {
        problems: `${String(v).slice(0, 100)} is not an origin`,
      });
    return origin;
  });
  return [...new Set(origins)];
}

const settingsProblem = (problems: string) => new AppError('web_settings_invalid', 400, { problems });

/** The widget settings of a new channel, or changes merged over the current ones; checked field by field. */
export function webSettings(
  input: Partial<Record<keyof WebChannelSettings, unknown>>,
  current?: WebChannelSettings | null,
): WebChannelSettings {
  const base: WebChannelSettings = current ?? {
    allowed_origins: [],
    color: '#2563eb',
    greeting: {},
    languages: ['en'],
    pre_chat: { name: 'off', email: 'off', phone: 'off' },
  };
  const settings: WebChannelSettings = { ...base };
  if (input.allowed_origins !== undefined || !current)
    settings.allowed_origins = allowedOrigins(input.allowed_origins);
  if (input.color !== undefined) {
    if (typeof input.color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(input.color))
      throw settingsProblem('color must be #rrggbb');
    settings.color = input.color.toLowerCase();
  }
  if (input.languages !== undefined) {
    const languages = input.languages;
    if (
      !Array.isArray(languages) ||
      !languages.length ||
      !languages.every((l) => WIDGET_LANGUAGES.includes(l as WidgetLanguage))
    )
      throw settingsProblem(`languages must be some of ${WIDGET_LANGUAGES.join(', ')}`);
    settings.languages = [...new Set(languages as WidgetLanguage[])];
  }
  if (input.greeting !== undefined) {
    const greeting = input.greeting;
    if (!greeting || typeof greeting !== 'object' || Array.isArray(greeting))
      throw settingsProblem('greeting must be an object of language: text');
    const out: WebChannelSettings['greeting'] = {};
    for (const [language, text] of Object.entries(greeting)) {
      if (!WIDGET_LANGUAGES.includes(language as WidgetLanguage))
        throw settingsProblem(`greeting.${language.slice(0, 16)} is not a widget language`);
      if (typeof text !== 'string' || text.length > 500)
        throw settingsProblem(`greeting.${language} must be a text of at most 500 characters`);
      out[language as WidgetLanguage] = text.trim();
    }
    settings.greeting = out;
  }
  if (input.pre_chat !== undefined) {
    const preChat = input.pre_chat as Record<string, unknown> | null;
    if (!preChat || typeof preChat !== 'object' || Array.isArray(preChat))
      throw settingsProblem('pre_chat must be {name, email, phone}');
    const field = (key: 'name' | 'email' | 'phone'): PreChatField => {
      const value = preChat[key] ?? settings.pre_chat[key];
      if (!PRE_CHAT_FIELDS.includes(value as PreChatField))
        throw settingsProblem(`pre_chat.${key} must be off, optional or required`);
      return value as PreChatField;
    };
    settings.pre_chat = { name: field('name'), email: field('email'), phone: field('phone') };
  }
  return settings;
}

/** A website channel's identity secret: what its site signs its users' ids with. */
export const newIdentitySecret = () => `pis_${randomBytes(32).toString('base64url')}`;

/** `hex(HMAC-SHA256(secret, user_id))`, what a site sends as the identity's signature. */
export const identitySignature = (secret: string, userId: string) =>
  createHmac('sha256', secret).update(userId, 'utf8').digest('hex');

/** Whether a signature proves the user id under the secret (constant time; anything malformed is false). */
export function verifyIdentity(secret: string, userId: unknown, signature: unknown): boolean {
  if (typeof userId !== 'string' || typeof signature !== 'string') return false;
  if (!userId || userId.length > 200 || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = Buffer.from(identitySignature(secret, userId), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
