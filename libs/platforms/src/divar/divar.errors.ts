import { AxiosError } from 'axios';
import { PlatformError } from '../platform-error';

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterSeconds(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - now) / 1000));
}

/**
 * Kenar API answers → our codes. Divar's error body is google.rpc.Status `{code, message, details}`
 * (divar.md §7); `412 {code: 9}` is "message delivery failed due to recipient's restriction" (the
 * customer blocked the chat, §5). A refused token (401/403) holds replies until the owner
 * authorizes again.
 */
export function mapDivarError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  if (!(error instanceof AxiosError))
    return new PlatformError('temporary', (error as Error)?.message ?? 'unknown error');
  if (!error.response) return new PlatformError('temporary', `network: ${error.code ?? error.message}`);
  const { status, data, headers } = error.response;
  const body = (typeof data === 'object' && data !== null ? data : {}) as {
    code?: unknown;
    message?: unknown;
    error?: unknown;
    error_description?: unknown;
  };
  const words = [body.message, body.error_description, body.error].find(
    (w): w is string => typeof w === 'string' && !!w,
  );
  const reason = words ? `Divar: ${words}` : `Divar answered HTTP ${status}`;
  if (status === 429) {
    // Divar publishes no limits (divar.md §7): a 429 is a per-minute limit or a spent daily quota.
    // With Retry-After we wait as told; without, the worker's exponential backoff retries it, so a
    // spent quota ends as a failed reply with Divar's reason instead of waiting forever.
    const wait = retryAfterSeconds(headers?.['retry-after']);
    return wait === undefined
      ? new PlatformError('temporary', reason)
      : new PlatformError('rate_limited', reason, wait);
  }
  if (status >= 500) return new PlatformError('temporary', reason);
  if (status === 412 && Number(body.code) === 9) return new PlatformError('blocked', reason);
  if (status === 401 || status === 403) return new PlatformError('reauthorization_required', reason);
  // OAuth's token endpoint refuses a spent or revoked refresh token with invalid_grant (RFC 6749 §5.2).
  if (status === 400 && body.error === 'invalid_grant')
    return new PlatformError('reauthorization_required', reason);
  return new PlatformError('rejected', reason);
}
