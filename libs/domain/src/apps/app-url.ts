import type { ErrorCode } from '@parley/contract/error-codes';
import { APP_ACTION_LIMITS } from '@parley/contract/app-actions';
import { AppError } from '@parley/errors/app-error';

/** Where app pages may be: https; http on localhost outside production, or anywhere when the operator allows it. */
export interface AppUrlRules {
  allowHttp: boolean;
  allowLoopbackHttp: boolean;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1'];

/**
 * An app's page URL (an action's, or a card's link) as agents' browsers will load it, normalized;
 * anything else is refused with `code` and a reason. The URL is opened by the agent's browser, in
 * a sandboxed frame, never fetched by Parley: what matters is the scheme (no javascript: or data:),
 * no credentials riding along, and a sane length.
 */
export function checkAppUrl(raw: unknown, rules: AppUrlRules, code: ErrorCode): string {
  const invalid = (reason: string) => new AppError(code, 400, { reason });
  if (typeof raw !== 'string' || !raw.trim()) throw invalid('a URL is required');
  if (raw.length > APP_ACTION_LIMITS.urlMax)
    throw invalid(`longer than ${APP_ACTION_LIMITS.urlMax} characters`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('only https URLs');
  if (
    url.protocol === 'http:' &&
    !rules.allowHttp &&
    !(rules.allowLoopbackHttp && LOOPBACK_NAMES.includes(url.hostname))
  )
    throw invalid('https is required');
  if (url.username || url.password) throw invalid('credentials in the URL are not allowed');
  if (!url.hostname) throw invalid('no host');
  return url.href;
}
