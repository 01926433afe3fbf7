import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import axios, { AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import {
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookEventType,
  WebhookPayload,
} from '@parley/contract/webhooks';
import { Metrics } from '@parley/runtime/metrics';
import { SecurityEventService } from '@parley/security/security-event.service';
import { CredentialsCipher } from '../services/credentials-cipher';
import { EventService } from '../services/event.service';
import { signWebhook } from './webhook-signature';
import { WebhookUrlPolicy } from './webhook-url.policy';

/** What of a receiver's answer is read: enough to show in the log, never an unbounded body. */
const MAX_BODY_BYTES = 4096;
/** Leases outlive the request's timeout by this much; a crashed worker's deliveries come back after. */
const LEASE_SLACK_MS = 30_000;

export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  workspace_id: string;
  url: string;
  secret_sealed: string;
  seq: string;
  event_type: WebhookEventType;
  replay: boolean;
  attempts: number;
  retry_from: Date;
  payload: unknown;
  /** Null when the event is gone (its conversation was deleted with its channel). */
  event_created_at: string | null;
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  /** The receiver's Retry-After, in ms from now (429 and 503 only). */
  retryAfterMs: number | null;
  /** Nothing to send any more: given up at once. */
  final?: boolean;
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff from `baseMs`, doubling per attempt, capped, with up to +50 % jitter (never less). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random()): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (1 + random / 2));
}

/**
 * Sends the workspace's webhook deliveries: claims the due ones (several workers share them with
 * SKIP LOCKED and a lease), never one whose conversation has an earlier delivery to the same
 * subscription still pending, signs each body, posts it with a timeout and no redirects, and records
 * the attempt. 2xx succeeds; anything else (timeouts, network errors, refused destinations, 3xx,
 * 4xx, 5xx) is retried with exponential backoff and jitter — honouring Retry-After on 429 and 503 —
 * until WEBHOOK_RETRY_HOURS have passed, then given up. A subscription failing
 * WEBHOOK_PAUSE_AFTER_FAILURES attempts in a row, for WEBHOOK_PAUSE_AFTER_HOURS, is paused and its
 * admins are told.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly attemptsTotal: Counter<'outcome'>;
  private readonly givenUp: Counter;
  private readonly paused: Counter;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly policy: WebhookUrlPolicy,
    private readonly cipher: CredentialsCipher,
    private readonly events: EventService,
    private readonly security: SecurityEventService,
    metrics: Metrics,
  ) {
    this.attemptsTotal = new Counter({
      name: 'parley_outgoing_webhook_attempts_total',
      help: 'Webhook delivery attempts made by this process, by outcome (success, failure)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.givenUp = new Counter({
      name: 'parley_outgoing_webhook_given_up_total',
      help: 'Webhook deliveries given up after their retry window, in this process',
      registers: [metrics.registry],
    });
    this.paused = new Counter({
      name: 'parley_outgoing_webhook_paused_total',
      help: 'Webhook subscriptions this process paused after failing too long',
      registers: [metrics.registry],
    });
    const pending = async () =>
      (
        await this.db
          .query(
            `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age
               FROM webhook_delivery WHERE state = 'pending'`,
          )
          .catch(() => [{ n: 0, age: 0 }])
      )[0] as { n: number; age: string };
    new Gauge({
      name: 'parley_outgoing_webhook_pending',
      help: 'Webhook deliveries waiting to succeed or be given up, all subscriptions',
      registers: [metrics.registry],
      async collect() {
        this.set((await pending()).n);
      },
    });
    new Gauge({
      name: 'parley_outgoing_webhook_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery still pending (0 when none)',
      registers: [metrics.registry],
      async collect() {
        this.set(Number((await pending()).age));
      },
    });
  }

  /**
   * Claims up to `limit` due deliveries for this process. A conversation's delivery waits while an
   * earlier one of the same conversation to the same subscription is pending (in flight, waiting for
   * a retry, or held by a paused subscription); other conversations go on.
   */
  async claim(limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const leaseMs = this.config.webhooks.timeoutMs + LEASE_SLACK_MS;
    // An UPDATE … RETURNING answers [rows, affected].
    const [rows] = (await this.db.query(
      `WITH due AS (
         SELECT d.id FROM webhook_delivery d
           JOIN webhook_subscription s ON s.id = d.subscription_id AND s.state = 'active'
          WHERE d.state = 'pending' AND d.next_attempt_at <= now()
            AND (d.locked_until IS NULL OR d.locked_until < now())
            AND NOT EXISTS (
              SELECT 1 FROM webhook_delivery p
               WHERE p.subscription_id = d.subscription_id AND p.conversation_id = d.conversation_id
                 AND p.state = 'pending' AND (p.seq, p.created_at, p.id) < (d.seq, d.created_at, d.id))
          ORDER BY d.next_attempt_at
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_delivery d SET locked_until = now() + make_interval(secs => $2)
         FROM due, webhook_subscription s
        WHERE d.id = due.id AND s.id = d.subscription_id
       RETURNING d.id, d.subscription_id, d.workspace_id, s.url, s.secret_sealed, d.seq, d.event_type,
                 d.replay, d.attempts, d.retry_from,
                 (SELECT e.payload FROM event e WHERE e.workspace_id = d.workspace_id AND e.seq = d.seq) AS payload,
                 (SELECT to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                    FROM event e WHERE e.workspace_id = d.workspace_id AND e.seq = d.seq) AS event_created_at`,
      [limit, leaseMs / 1000],
    )) as [ClaimedDelivery[], number];
    return rows;
  }

  /** One attempt of one delivery, recorded; never throws. */
  async deliver(delivery: ClaimedDelivery): Promise<void> {
    let outcome: AttemptOutcome;
    if (delivery.event_created_at === null) {
      // Its conversation was deleted (with its channel): nothing is left to send, nor to wait for.
      const error = 'the event no longer exists';
      await this.record(delivery, {
        ok: false,
        statusCode: null,
        error,
        latencyMs: 0,
        retryAfterMs: null,
        final: true,
      }).catch((e: Error) => this.logger.warn(`webhook delivery ${delivery.id}: ${e.message}`));
      return;
    }
    try {
      const { secret } = this.cipher.decrypt(delivery.secret_sealed, delivery.subscription_id);
      const payload: WebhookPayload = {
        id: delivery.id,
        type: delivery.event_type,
        created_at: delivery.event_created_at,
        workspace_id: delivery.workspace_id,
        seq: Number(delivery.seq),
        replay: delivery.replay,
        data: delivery.payload,
      };
      outcome = await this.post(delivery.url, delivery.id, JSON.stringify(payload), secret);
    } catch (error) {
      outcome = {
        ok: false,
        statusCode: null,
        error: (error as Error).message,
        latencyMs: 0,
        retryAfterMs: null,
      };
    }
    try {
      await this.record(delivery, outcome);
    } catch (error) {
      // The lease runs out and the delivery is tried again: at least once.
      this.logger.warn(
        `webhook delivery ${delivery.id}: could not record the attempt: ${(error as Error).message}`,
      );
    }
  }

  /** Posts a signed body: no redirects, no proxy, a time bound over headers and the (capped) body read. */
  async post(rawUrl: string, deliveryId: string, body: string, secret: string): Promise<AttemptOutcome> {
    const started = Date.now();
    const url = new URL(rawUrl);
    const controller = new AbortController();
    const timeoutMs = this.config.webhooks.timeoutMs;
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const latency = () => Date.now() - started;
    try {
      const response: AxiosResponse<Readable> = await axios.post(url.href, body, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhooks/1',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
          [WEBHOOK_DELIVERY_HEADER]: deliveryId,
        },
        maxRedirects: 0,
        proxy: false,
        responseType: 'stream',
        validateStatus: () => true,
        signal: controller.signal,
        transformRequest: [(data: string) => data],
        ...this.policy.agentsFor(url),
      });
      const text = await readCapped(response.data, MAX_BODY_BYTES);
      const status = response.status;
      const ok = status >= 200 && status < 300;
      const retryAfterMs =
        status === 429 || status === 503
          ? parseRetryAfter(String(response.headers['retry-after'] ?? ''))
          : null;
      return {
        ok,
        statusCode: status,
        error: ok
          ? null
          : status >= 300 && status < 400
            ? `answered ${status} (redirects are not followed)`
            : `answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        latencyMs: latency(),
        retryAfterMs,
      };
    } catch (error) {
      const message = refusedAtConnect(error)
        ? `refused: ${url.hostname} resolved to a non-public address`
        : controller.signal.aborted
          ? `timed out after ${timeoutMs} ms`
          : `network: ${(error as Error).message}`;
      return { ok: false, statusCode: null, error: message, latencyMs: latency(), retryAfterMs: null };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stores the attempt and what follows from it, in one transaction; pauses the subscription when due. */
  private async record(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
    const cfg = this.config.webhooks;
    const attempt = delivery.attempts + 1;
    const delay = outcome.retryAfterMs ?? backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs);
    const deadline = delivery.retry_from.getTime() + cfg.retryHours * 3_600_000;
    const giveUp = !outcome.ok && (outcome.final === true || Date.now() + delay > deadline);
    const state = outcome.ok ? 'succeeded' : giveUp ? 'failed' : 'pending';
    const pause = await this.db.transaction(async (manager) => {
      // The subscription's row first, as a DELETE of it does (then its deliveries, by cascade):
      // the other order deadlocks with an admin deleting the subscription mid-attempt.
      const [subscriptionLeft] = await manager.query(
        `SELECT 1 FROM webhook_subscription WHERE id = $1 FOR NO KEY UPDATE`,
        [delivery.subscription_id],
      );
      if (!subscriptionLeft) return null;
      const [, updated] = await manager.query(
        `UPDATE webhook_delivery SET state = $2::varchar, attempts = $3, locked_until = NULL,
                next_attempt_at = CASE WHEN $2::varchar = 'pending' THEN now() + make_interval(secs => $4) END,
                completed_at = CASE WHEN $2::varchar = 'pending' THEN NULL ELSE now() END,
                last_status_code = $5, last_error = $6, last_latency_ms = $7
          WHERE id = $1 AND state = 'pending'`,
        [delivery.id, state, attempt, delay / 1000, outcome.statusCode, outcome.error, outcome.latencyMs],
      );
      // Deleted meanwhile (its subscription too, perhaps): nothing to record.
      if (!updated) return null;
      await manager.query(
        `INSERT INTO webhook_attempt (delivery_id, attempt, status_code, error, latency_ms) VALUES ($1, $2, $3, $4, $5)`,
        [delivery.id, attempt, outcome.statusCode, outcome.error, outcome.latencyMs],
      );
      // Not the receiver's failure: the subscription's record is left as it is.
      if (outcome.final) return null;
      if (outcome.ok) {
        await manager.query(
          `UPDATE webhook_subscription SET consecutive_failures = 0, failing_since = NULL, last_success_at = now()
            WHERE id = $1`,
          [delivery.subscription_id],
        );
        return null;
      }
      const [rows] = (await manager.query(
        `UPDATE webhook_subscription
            SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now()),
                last_failure_at = now(), last_failure = $2
          WHERE id = $1
          RETURNING workspace_id, url, consecutive_failures,
                    (state = 'active' AND consecutive_failures >= $3
                     AND failing_since <= now() - make_interval(secs => $4)) AS due`,
        [delivery.subscription_id, outcome.error, cfg.pauseAfterFailures, cfg.pauseAfterHours * 3600],
      )) as [{ workspace_id: string; url: string; consecutive_failures: number; due: boolean }[], number];
      const row = rows[0];
      if (!row?.due) return null;
      const reason = `${row.consecutive_failures} failed attempts in a row; last: ${outcome.error}`;
      await manager.query(
        `UPDATE webhook_subscription SET state = 'paused', paused_reason = $2, updated_at = now() WHERE id = $1`,
        [delivery.subscription_id, reason],
      );
      await this.events.append(manager, row.workspace_id, {
        type: 'webhook.paused',
        conversationId: null,
        payload: { webhook_id: delivery.subscription_id, url: row.url, reason },
      });
      return { workspaceId: row.workspace_id, url: row.url, reason };
    });
    this.attemptsTotal.inc({ outcome: outcome.ok ? 'success' : 'failure' });
    if (giveUp) this.givenUp.inc();
    if (pause) {
      this.paused.inc();
      this.logger.warn(`webhook ${delivery.subscription_id} paused: ${pause.reason}`);
      await this.security.record({
        kind: 'webhook_paused',
        workspaceId: pause.workspaceId,
        detail: { webhook_id: delivery.subscription_id, url: pause.url, reason: pause.reason },
      });
    }
  }

  /** Drops attempts and finished deliveries older than the log's retention (WEBHOOK_LOG_DAYS). */
  async prune(): Promise<void> {
    const secs = this.config.webhooks.logDays * 86400;
    await this.db.query(`DELETE FROM webhook_attempt WHERE created_at < now() - make_interval(secs => $1)`, [
      secs,
    ]);
    await this.db.query(
      `DELETE FROM webhook_delivery WHERE state <> 'pending' AND completed_at < now() - make_interval(secs => $1)`,
      [secs],
    );
  }
}

const refusedAtConnect = (error: unknown) => {
  const seen = error as { message?: string; cause?: { message?: string } };
  return [seen?.message, seen?.cause?.message].some((m) => /^DNS lookup .* is not allowed/.test(m ?? ''));
};

/** Reads at most `max` bytes of a body, then lets the rest go. */
async function readCapped(stream: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      if (size >= max) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
