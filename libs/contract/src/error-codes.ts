/**
 * Every stable error code a client may meet, in REST answers and `error` frames. libs/errors
 * keeps a text for each in en, fa and ar (a code without its three texts does not compile).
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'not_found',
  'route_not_found',
  'unauthorized',
  'token_expired',
  'invalid_credentials',
  'invalid_refresh_token',
  'refresh_token_reused',
  'invalid_invite_token',
  'agent_deactivated',
  'forbidden',
  'admin_only',
  'email_taken',
  'last_admin',
  'invalid_phone',
  'invalid_cursor',
  'assignee_not_found',
  'message_empty',
  'channel_credentials_invalid',
  'not_message_author',
  'message_not_editable',
  'invalid_frame',
  'unknown_frame_type',
  'frame_too_large',
  'handshake_refused',
  'channel_already_connected',
  'oauth_state_invalid',
  'oauth_not_supported',
  'buttons_invalid',
  'buttons_unsupported',
  'platform_unavailable',
  'divar_session_invalid',
  'session_link_invalid',
  'retention_days_invalid',
  'message_not_retryable',
  'attachment_invalid',
  'audio_unreadable',
  'audio_too_large',
  'transcode_timeout',
  'transcoder_missing',
  'message_too_long',
  'content_invalid',
  'spam_detected',
  'too_many_connections',
  'ip_blocked',
  'session_ended',
  'operator_only',
  'ip_block_shared',
  'too_many_attempts',
  'rate_limited',
  'scope_missing',
  'agents_only',
  'api_key_name_invalid',
  'api_key_scopes_invalid',
  'service_unavailable',
  'webhook_url_invalid',
  'webhook_url_refused',
  'webhook_events_invalid',
  'bot_not_handling',
  'bot_channel_taken',
  'bot_key_invalid',
  'bot_exists',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A refused REST request; `message` is in the caller's language (Accept-Language: en, fa, ar). */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  /** Seconds to wait before trying again (also the Retry-After header). */
  retry_after?: number;
  /** Machine-readable detail beside the message (e.g. which fields failed). */
  details?: unknown;
}
