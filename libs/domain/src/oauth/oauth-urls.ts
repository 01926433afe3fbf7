import { createHash } from 'node:crypto';
import { AppError } from '@parley/errors/app-error';

const MAX_REDIRECT_URIS = 10;
const MAX_URL_LENGTH = 2000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** RFC 7636 §4.1: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Why a URL may not take an app's user back, or null when it may: https, or http to this machine. */
function urlProblem(value: string): string | null {
  if (value.length > MAX_URL_LENGTH) return 'too long';
  if (value.includes('#')) return `${value} has a fragment`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value} is not a URL`;
  }
  if (url.username || url.password) return `${value} holds credentials`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return `${value} is neither https nor http on localhost`;
}

/**
 * The redirect URIs an app registers, kept exactly as given: the authorize request must name one
 * of them character for character (no prefix or pattern matching, the usual open-redirect hole).
 */
export function checkRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || !value.length || value.length > MAX_REDIRECT_URIS)
    throw new AppError('oauth_redirect_uris_invalid', 400, {
      reason: `${MAX_REDIRECT_URIS} at most, 1 at least`,
    });
  const uris = value.map((item) => (typeof item === 'string' ? item.trim() : ''));
  for (const uri of uris) {
    const problem = uri ? urlProblem(uri) : 'an empty entry';
    if (problem) throw new AppError('oauth_redirect_uris_invalid', 400, { reason: problem });
  }
  return [...new Set(uris)];
}

/** An app's homepage, shown on the consent page: absent, or an https (or loopback http) URL. */
export function checkHomepage(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || urlProblem(value.trim()))
    throw new AppError('oauth_app_homepage_invalid', 400);
  return value.trim();
}

/** The registered redirect URI with these parameters added (its own query kept, RFC 6749 §3.1.2). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

/** PKCE S256: BASE64URL(SHA256(verifier)). */
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Whether a code verifier has RFC 7636's shape (a challenge has the same). */
export const isVerifier = (value: unknown): value is string =>
  typeof value === 'string' && VERIFIER.test(value);
