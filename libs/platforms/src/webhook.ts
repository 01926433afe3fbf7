import { createHash, timingSafeEqual } from 'node:crypto';
import type { PlatformInbound } from './inbound';
import type { ChannelAccess } from './platform';

/** One HTTP delivery to `/webhooks/<type>[/<channel id>]`, as ingest's pipeline hands it over. */
export interface WebhookDelivery {
  /** A request header by its lower-case name (the first, if sent more than once). */
  header(name: string): string | undefined;
  /** The exact bytes the platform sent: signatures are over these, not over re-serialized JSON. */
  rawBody: Buffer | undefined;
  /** The body as parsed JSON (undefined when it was not JSON). */
  body: unknown;
  /** The client's address, as ingest sees it (TRUST_PROXY honoured). */
  ip?: string;
}

/** Why a delivery was refused, for the security event; never the secret itself. */
export type WebhookVerdict = { genuine: true } | { genuine: false; detail: Record<string, unknown> };

/** The security event a refused delivery writes: which proof was wrong. */
export type WebhookRefusal = 'webhook_secret_invalid' | 'webhook_signature_invalid';

/** One normalized event, with the platform account it is for when the delivery names accounts. */
export interface WebhookEvent {
  accountId?: string;
  event: PlatformInbound;
}

/** The body is not the platform's shape: answered 400 `validation_failed` with these words. */
export class WebhookBodyInvalid extends Error {
  constructor(readonly problems: string) {
    super(problems);
  }
}

interface WebhookSteps {
  /** The security event kind a refused delivery records. */
  readonly refusal: WebhookRefusal;
  /** The body's outline, checked once the delivery is genuine: null when it holds, else what is wrong. */
  validate(body: unknown): string | null;
  /** A validated body's events; throws WebhookBodyInvalid when a deeper part is not the platform's shape. */
  normalize(body: unknown): WebhookEvent[];
  /** A GET on the webhook URL the platform makes to check it (Meta's): the text to answer, or null to refuse. */
  handshake?(query: Record<string, unknown>): string | null;
}

/**
 * Deliveries for one channel, named by the path (`/webhooks/<type>/<channel id>`): the channel
 * is found first and its own secret proves the delivery (Telegram).
 */
export interface ChannelWebhook extends WebhookSteps {
  readonly addressing: 'channel';
  /** Compares in constant time. */
  verify(delivery: WebhookDelivery, channel: ChannelAccess): WebhookVerdict;
}

/**
 * Deliveries for the whole app at one URL (`/webhooks/<type>`), proved by the app's secret; each
 * event names the account it is for, whose channel receives it (Instagram).
 */
export interface AccountWebhook extends WebhookSteps {
  readonly addressing: 'account';
  /** Compares in constant time. */
  verify(delivery: WebhookDelivery): WebhookVerdict;
}

/** How a platform's webhooks are addressed, proved, validated and normalized; ingest runs the steps. */
export type PlatformWebhook = ChannelWebhook | AccountWebhook;

/** Where a platform calls us for a channel, under PUBLIC_URL: ingest's one route for every platform. */
export const webhookPath = (type: string, webhook: PlatformWebhook, channelId: string): string =>
  webhook.addressing === 'channel' ? `/webhooks/${type}/${channelId}` : `/webhooks/${type}`;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant time whatever the lengths: compares digests. */
export const sameSecret = (given: string | undefined, expected: string | undefined): boolean =>
  given !== undefined && !!expected && timingSafeEqual(digest(given), digest(expected));
