/** English texts, and the list of every stable error code. */
export const en = {
  validation_failed: 'The request is not valid: {problems}.',
  invalid_json: 'The request body is not valid JSON.',
  payload_too_large: 'The request body is too large.',
  not_found: 'The {resource} was not found.',
  route_not_found: 'There is no such endpoint.',
  unauthorized: 'Sign in to continue.',
  token_expired: 'Your session has expired. Sign in again.',
  invalid_credentials: 'The email or password is incorrect.',
  invalid_refresh_token: 'The refresh token is not valid. Sign in again.',
  refresh_token_reused:
    'This refresh token was already used; every session from that sign-in has been ended.',
  invalid_invite_token: 'The invitation is not valid or has expired.',
  agent_deactivated: 'This account has been deactivated.',
  forbidden: 'You are not allowed to do this.',
  admin_only: 'Only an admin can do this.',
  email_taken: 'An account with this email already exists.',
  last_admin: 'A workspace must keep at least one active admin.',
  invalid_phone: 'The phone number is not valid.',
  invalid_cursor: 'The pagination cursor is not valid.',
  assignee_not_found: 'The agent to assign was not found in this workspace.',
  message_empty: 'A message needs some content.',
  channel_credentials_invalid: 'The channel credentials were refused: {reason}.',
  rate_limited: 'Too many requests. Try again in {retry_after} seconds.',
  service_unavailable: 'The service is temporarily unavailable. Try again shortly.',
  internal_error: 'Something went wrong on our side.',
} as const;

export type ErrorCode = keyof typeof en;
