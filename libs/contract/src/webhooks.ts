/** Outgoing event webhooks: the public event names and what the webhooks API answers. */

/**
 * The events a subscription may name (`*` is all of them). Each is the domain event of the same
 * name; internal ones (presence, read receipts, sign-outs, platform bookkeeping) are never sent.
 */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'message.status',
  'message.reaction',
  'conversation.created',
  'conversation.updated',
  'contact.created',
  'contact.updated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WEBHOOK_ALL_EVENTS = '*';

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'Parley-Signature';
/** The delivery's id (also the body's `id`): the same on every retry of one delivery. */
export const WEBHOOK_DELIVERY_HEADER = 'Parley-Delivery-Id';

/** The JSON body of every delivery. */
export interface WebhookPayload {
  /** The delivery's id: a receiver that has seen it may answer 2xx and do nothing. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  workspace_id: string;
  /** The event's place in the workspace's event log (what `replay {since_seq}` counts from). */
  seq: number;
  /** True when sent by a replay (a new delivery of an event that may have been delivered before). */
  replay: boolean;
  data: unknown;
}

export type WebhookState = 'active' | 'paused';

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  state: WebhookState;
  /** Why it was paused (by an admin, or after failing too long). */
  paused_reason: string | null;
  consecutive_failures: number;
  last_failure_at: string | null;
  last_failure: string | null;
  last_success_at: string | null;
  /** This subscription's lag: deliveries waiting, and since when the oldest waits. */
  pending_deliveries: number;
  oldest_pending_at: string | null;
  created_at: string;
}

/** The answer to create and rotate-secret: the only times the secret is shown. */
export interface WebhookWithSecretView extends WebhookView {
  secret: string;
}

export type WebhookDeliveryState = 'pending' | 'succeeded' | 'failed';

export interface WebhookAttemptView {
  attempt: number;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
  at: string;
}

export interface WebhookDeliveryView {
  id: string;
  seq: number;
  event_type: string;
  conversation_id: string | null;
  replay: boolean;
  state: WebhookDeliveryState;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created_at: string;
  /** The newest attempts first (at most 20). */
  attempt_log: WebhookAttemptView[];
}

export interface WebhookDeliveryPage {
  items: WebhookDeliveryView[];
  next_cursor: string | null;
}
