/**
 * What a platform's failure means for us. The worker decides from the code, never from a status
 * number: retry later, wait as told, hold until an admin reconnects, or give up with a reason.
 */
export type PlatformErrorCode =
  | 'rate_limited' // wait retryAfterSeconds, then try again
  | 'temporary' // 5xx or network: retry with backoff
  | 'blocked' // the user blocked the bot: give up, mark unreachable
  | 'invalid_recipient' // no such user/chat: give up, mark unreachable
  | 'window_closed' // Instagram 24-hour (or 7-day HUMAN_AGENT) window: give up
  | 'reauthorization_required' // token expired/revoked: hold replies, tell admins
  | 'invalid_credentials' // while connecting a channel
  | 'url_refused' // a media URL off the allowlist or pointing inside our network: never fetched
  | 'rejected'; // any other refusal that cannot succeed by retrying

export class PlatformError extends Error {
  constructor(
    readonly code: PlatformErrorCode,
    /** The platform's own words, shown to the agent. */
    readonly reason: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${code}: ${reason}`);
  }

  get permanent(): boolean {
    return [
      'blocked',
      'invalid_recipient',
      'window_closed',
      'rejected',
      'invalid_credentials',
      'url_refused',
    ].includes(this.code);
  }

  /** The recipient cannot be reached on this channel any more. */
  get unreachable(): boolean {
    return this.code === 'blocked' || this.code === 'invalid_recipient';
  }
}
