import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Counter, Histogram } from 'prom-client';
import { isUUID } from 'class-validator';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import type { ChannelAccess } from '@parley/platforms/platform';
import {
  PlatformWebhook,
  WebhookBodyInvalid,
  WebhookDelivery,
  WebhookEvent,
  WebhookVerdict,
} from '@parley/platforms/webhook';
import { Metrics } from '@parley/runtime/metrics';
import { SecurityEventService } from '@parley/security/security-event.service';
import { ChannelService } from './channel.service';
import { InboundUpdateLog } from './inbound-update-log';

/** How long ingest trusts its copy of a channel (or of its absence) before asking Postgres again. */
const CHANNEL_COPY_MS = 2000;
const CHANNEL_COPY_MAX = 10_000;

/** A live channel as ingest verifies its deliveries: the row and its decrypted access. */
interface LiveChannel {
  channel: Channel;
  access: ChannelAccess;
}

/** A recorded delivery's events, each with the live channel it is for. */
export interface ResolvedEvent {
  channel: Channel;
  event: WebhookEvent['event'];
}

/**
 * Every platform's webhook goes through the same steps: find the channel → verify → record a
 * refusal → validate → normalize → record the delivery, answered once it is durable; the worker
 * then resolves each recorded delivery's events to their channels and hands them to the inbox
 * (InboundUpdateProcessor). The platform's adapter supplies how its deliveries are addressed and
 * proved and what they mean; refusals keep their statuses (404 unknown channel, 403 not genuine,
 * 400 not the platform's shape), which the per-IP refusal budget counts on.
 */
@Injectable()
export class IngestService {
  /**
   * Channels by id as last read (null: no such live channel) with their decrypted access, so a
   * storm neither reads nor decrypts one per delivery.
   */
  private readonly channelCopy = new Map<string, { found: LiveChannel | null; readAt: number }>();

  private readonly deliveries: Counter<'platform' | 'status'>;
  private readonly seconds: Histogram<'platform'>;

  constructor(
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly updates: InboundUpdateLog,
    private readonly security: SecurityEventService,
    metrics: Metrics,
  ) {
    this.deliveries = new Counter({
      name: 'parley_webhook_deliveries_total',
      help: 'Webhook deliveries by platform and the status they were answered with',
      labelNames: ['platform', 'status'],
      registers: [metrics.registry],
    });
    this.seconds = new Histogram({
      name: 'parley_webhook_seconds',
      help: 'Time from a webhook delivery reaching ingest to its answer (recorded, or refused)',
      labelNames: ['platform'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
  }

  /** A platform's check of its webhook URL (Meta's GET): the text to answer. */
  handshake(type: string, query: Record<string, unknown>): string {
    const webhook = this.webhookAt(type, null);
    if (!webhook.handshake) throw new AppError('route_not_found', 404);
    const answer = webhook.handshake(query);
    if (answer === null) throw new AppError('forbidden', 403);
    return answer;
  }

  /** One delivery to `/webhooks/<type>[/<channelId>]`, from `ip`, counted on /metrics. */
  async receive(
    type: string,
    channelId: string | null,
    delivery: WebhookDelivery,
    ip: string,
  ): Promise<void> {
    const started = performance.now();
    // Only registered platforms name a series: a client's made-up paths must not grow /metrics.
    const platform = this.platforms.find(type) ? type : 'unknown';
    let status = 200;
    try {
      await this.record(type, channelId, delivery, ip);
    } catch (error) {
      status = error instanceof AppError ? error.statusCode : 500;
      throw error;
    } finally {
      this.deliveries.inc({ platform, status });
      this.seconds.observe({ platform }, (performance.now() - started) / 1000);
    }
  }

  private async record(
    type: string,
    channelId: string | null,
    delivery: WebhookDelivery,
    ip: string,
  ): Promise<void> {
    const webhook = this.webhookAt(type, channelId);

    let channel: Channel | null = null;
    let verdict: WebhookVerdict;
    if (webhook.addressing === 'channel') {
      const found = await this.channelNamed(type, channelId);
      channel = found.channel;
      verdict = webhook.verify(delivery, found.access);
    } else {
      verdict = webhook.verify(delivery);
    }

    if (!verdict.genuine) {
      await this.security.record({
        kind: webhook.refusal,
        ip,
        workspaceId: channel?.workspaceId ?? null,
        detail: { platform: type, ...(channel ? { channel_id: channel.id } : {}), ...verdict.detail },
      });
      throw new AppError('forbidden', 403);
    }

    this.eventsOf(webhook, delivery.body);
    await this.updates.record({ platform: type, channelId: channel?.id ?? null, body: delivery.body });
  }

  /**
   * A recorded delivery's events with their channels, read afresh: a channel deleted (or an
   * account disconnected) since the delivery was answered gets nothing.
   */
  async resolve(
    platform: string,
    channelId: string | null,
    body: unknown,
    lookups = new Map<string, Promise<Channel | null>>(),
  ): Promise<ResolvedEvent[]> {
    const webhook = this.webhookAt(platform, channelId);
    const resolved: ResolvedEvent[] = [];
    for (const { accountId, event } of this.eventsOf(webhook, body)) {
      const key = channelId ? `id:${channelId}` : `account:${accountId}`;
      if (!channelId && accountId === undefined) continue;
      let lookup = lookups.get(key);
      if (!lookup) {
        lookup = channelId
          ? this.channels.findLive(platform, channelId)
          : this.channels.findLiveByAccount(platform, accountId!);
        lookups.set(key, lookup);
      }
      const channel = await lookup;
      // An account that is not (or no longer) connected: nothing to store.
      if (channel) resolved.push({ channel, event });
    }
    return resolved;
  }

  /** Validates and normalizes a body: refused with 400 when it is not the platform's shape. */
  private eventsOf(webhook: PlatformWebhook, body: unknown): WebhookEvent[] {
    const problems = webhook.validate(body);
    if (problems !== null) throw new AppError('validation_failed', 400, { problems });
    try {
      return webhook.normalize(body);
    } catch (error) {
      if (error instanceof WebhookBodyInvalid)
        throw new AppError('validation_failed', 400, { problems: error.problems });
      throw error;
    }
  }

  /** The platform's webhook, if this path is how it addresses deliveries; else there is no such endpoint. */
  private webhookAt(type: string, channelId: string | null): PlatformWebhook {
    const webhook = this.platforms.find(type)?.webhook;
    if (!webhook || (webhook.addressing === 'channel') !== (channelId !== null))
      throw new AppError('route_not_found', 404);
    return webhook;
  }

  /** Webhooks are not tenant-scoped: the channel's secret, checked next, is the proof. */
  private async channelNamed(type: string, channelId: string | null): Promise<LiveChannel> {
    const found = channelId && isUUID(channelId) ? await this.channelCopyOf(type, channelId) : null;
    if (!found) throw notFound('channel');
    return found;
  }

  /**
   * The channel as read at most CHANNEL_COPY_MS ago: a deleted channel's deliveries are refused
   * within that time (and what slips through is dropped by the worker, which reads afresh).
   */
  private async channelCopyOf(type: string, channelId: string): Promise<LiveChannel | null> {
    const copy = this.channelCopy.get(channelId);
    if (copy && Date.now() - copy.readAt < CHANNEL_COPY_MS)
      return copy.found?.channel.type === type ? copy.found : null;
    const channel = await this.channels.findLive(type, channelId);
    const found = channel ? { channel, access: this.channels.access(channel) } : null;
    if (this.channelCopy.size >= CHANNEL_COPY_MAX) this.channelCopy.clear();
    this.channelCopy.set(channelId, { found, readAt: Date.now() });
    return found;
  }
}
