import { GrammyError, HttpError } from 'grammy';
import { PlatformError } from '../platform-error';

/** Telegram's answers → our codes (https://core.telegram.org/api/errors). */
export function mapTelegramError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (error instanceof GrammyError) {
    const reason = error.description;
    if (error.error_code === 429)
      return new PlatformError('rate_limited', reason, error.parameters.retry_after ?? 1);
    if (error.error_code >= 500) return new PlatformError('temporary', reason);
    // 401: the token was revoked (or the bot deleted) after it worked: hold replies until an admin reconnects.
    if (error.error_code === 401) return new PlatformError('reauthorization_required', reason);
    if (error.error_code === 404) return new PlatformError('invalid_credentials', reason);
    if (error.error_code === 403) {
      return /blocked|deactivated|kicked/i.test(reason)
        ? new PlatformError('blocked', reason)
        : new PlatformError('rejected', reason);
    }
    if (error.error_code === 400 && /chat not found|user not found|PEER_ID_INVALID/i.test(reason)) {
      return new PlatformError('invalid_recipient', reason);
    }
    return new PlatformError('rejected', reason);
  }
  if (error instanceof HttpError) return new PlatformError('temporary', `network: ${String(error.error)}`);
  return new PlatformError('temporary', (error as Error)?.message ?? 'unknown error');
}
