import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  WEBHOOK_ALL_EVENTS,
  WEBHOOK_EVENT_TYPES,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookView,
  WebhookWithSecretView,
} from '@parley/contract/webhooks';
import { AppError, notFound } from '@parley/errors/app-error';
import { SecurityEventService } from '@parley/security/security-event.service';
import { CredentialsCipher } from '../services/credentials-cipher';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, MAX_PAGE_SIZE } from '../pagination';
import { newWebhookSecret } from './webhook-signature';
import { WebhookUrlPolicy } from './webhook-url.policy';

/** How many events one replay may queue; a larger gap is replayed in steps from the last seq queued. */
export const MAX_REPLAY = 10_000;

const SUBSCRIPTION_COLUMNS = `s.id, s.url, s.events, s.state, s.paused_reason, s.consecutive_failures,
  s.last_failure_at, s.last_failure, s.last_success_at, s.created_at,
  (SELECT count(*)::int FROM webhook_delivery d WHERE d.subscription_id = s.id AND d.state = 'pending') AS pending_deliveries,
  (SELECT min(d.created_at) FROM webhook_delivery d WHERE d.subscription_id = s.id AND d.state = 'pending') AS oldest_pending_at`;

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  state: 'active' | 'paused';
  paused_reason: string | null;
  consecutive_failures: number;
  last_failure_at: Date | null;
  last_failure: string | null;
  last_success_at: Date | null;
  created_at: Date;
  pending_deliveries: number;
  oldest_pending_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toWebhookView = (row: SubscriptionRow): WebhookView => ({
  id: row.id,
  url: row.url,
  events: row.events,
  state: row.state,
  paused_reason: row.paused_reason,
  consecutive_failures: row.consecutive_failures,
  last_failure_at: iso(row.last_failure_at),
  last_failure: row.last_failure,
  last_success_at: iso(row.last_success_at),
  pending_deliveries: row.pending_deliveries,
  oldest_pending_at: iso(row.oldest_pending_at),
  created_at: row.created_at.toISOString(),
});

export interface WebhookInput {
  url: string;
  events: string[];
  secret?: string;
}

/**
 * A workspace's webhook subscriptions, their delivery log, "send again" and replay. Every method
 * takes the workspace and puts it in its query: another workspace's id is simply not found.
 */
@Injectable()
export class WebhookService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policy: WebhookUrlPolicy,
    private readonly cipher: CredentialsCipher,
    private readonly security: SecurityEventService,
  ) {}

  /** The secret is answered here (and on rotation) only; it is stored sealed to the subscription's id. */
  async create(workspaceId: string, input: WebhookInput): Promise<WebhookWithSecretView> {
    const events = this.checkEvents(input.events);
    const url = await this.checkUrl(workspaceId, input.url);
    const id = randomUUID();
    const secret = input.secret ?? newWebhookSecret();
    // Starts after the workspace's newest event: a new subscription hears what happens from now on.
    // FOR SHARE waits for a transaction bumping the seq and holds the next one off until this row
    // commits, so the webhooks reader sees the subscription before any event after its start.
    await this.db.query(
      `INSERT INTO webhook_subscription (id, workspace_id, url, events, secret_sealed, start_seq)
       SELECT $1, w.id, $3, $4, $5, w.last_seq FROM workspace w WHERE w.id = $2 FOR SHARE`,
      [id, workspaceId, url, events, this.cipher.encrypt({ secret }, id)],
    );
    return { ...(await this.get(workspaceId, id)), secret };
  }

  async list(workspaceId: string): Promise<WebhookView[]> {
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscription s WHERE s.workspace_id = $1 ORDER BY s.created_at, s.id`,
      [workspaceId],
    );
    return rows.map(toWebhookView);
  }

  async get(workspaceId: string, id: string): Promise<WebhookView> {
    const [row]: SubscriptionRow[] = await this.db.query(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscription s WHERE s.workspace_id = $1 AND s.id = $2`,
      [workspaceId, id],
    );
    if (!row) throw notFound('webhook');
    return toWebhookView(row);
  }

  /** Changes the URL or events, or pauses (`paused: true`) and resumes (`paused: false`). */
  async update(
    workspaceId: string,
    id: string,
    change: { url?: string; events?: string[]; paused?: boolean },
  ): Promise<WebhookView> {
    await this.get(workspaceId, id);
    const url = change.url === undefined ? null : await this.checkUrl(workspaceId, change.url);
    const events = change.events === undefined ? null : this.checkEvents(change.events);
    await this.db.query(
      `UPDATE webhook_subscription SET
         url = coalesce($3, url),
         events = coalesce($4, events),
         state = CASE WHEN $5::boolean IS NULL THEN state WHEN $5 THEN 'paused' ELSE 'active' END,
         paused_reason = CASE WHEN $5::boolean IS NULL THEN paused_reason WHEN $5 THEN 'paused by an admin' ELSE NULL END,
         consecutive_failures = CASE WHEN $5 = false THEN 0 ELSE consecutive_failures END,
         failing_since = CASE WHEN $5 = false THEN NULL ELSE failing_since END,
         updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, url, events, change.paused ?? null],
    );
    if (change.paused === false) {
      // Waiting deliveries go out at once on resume, with a fresh retry window.
      await this.db.query(
        `UPDATE webhook_delivery SET next_attempt_at = now(), retry_from = now()
          WHERE subscription_id = $1 AND state = 'pending'`,
        [id],
      );
    }
    return this.get(workspaceId, id);
  }

  /** A new secret, answered once; deliveries signed from now on use it. */
  async rotateSecret(workspaceId: string, id: string): Promise<WebhookWithSecretView> {
    await this.get(workspaceId, id);
    const secret = newWebhookSecret();
    await this.db.query(
      `UPDATE webhook_subscription SET secret_sealed = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, this.cipher.encrypt({ secret }, id)],
    );
    return { ...(await this.get(workspaceId, id)), secret };
  }

  /** Gone at once: its waiting deliveries go with it, and an attempt in flight records nothing. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const [, affected] = await this.db.query(
      `DELETE FROM webhook_subscription WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    if (!affected) throw notFound('webhook');
  }

  /** The delivery log, newest first, with each delivery's latest attempts. */
  async deliveries(
    workspaceId: string,
    id: string,
    query: { cursor?: string; limit?: number; only?: string },
  ): Promise<WebhookDeliveryPage> {
    await this.get(workspaceId, id);
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const after = query.cursor ? decodeCursor(query.cursor, ['string', 'string']) : null;
    const rows: (Omit<WebhookDeliveryView, 'created_at' | 'next_attempt_at' | 'seq'> & {
      seq: string;
      created_at: Date;
      next_attempt_at: Date | null;
      cursor_at: string;
    })[] = await this.db.query(
      `SELECT d.id, d.seq, d.event_type, d.conversation_id, d.replay, d.state, d.attempts,
              CASE WHEN d.state = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
              d.last_status_code, d.last_error, d.last_latency_ms, d.created_at,
              to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_at,
              coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'status_code', a.status_code,
                          'error', a.error, 'latency_ms', a.latency_ms, 'at', a.created_at) ORDER BY a.id DESC)
                  FROM (SELECT * FROM webhook_attempt WHERE delivery_id = d.id ORDER BY id DESC LIMIT 20) a), '[]') AS attempt_log
         FROM webhook_delivery d
        WHERE d.subscription_id = $1 AND d.workspace_id = $2
          AND ($3::timestamp IS NULL OR (d.created_at AT TIME ZONE 'UTC', d.id) < ($3::timestamp, $4::uuid))
          AND ($6::uuid IS NULL OR d.id = $6)
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT $5`,
      [id, workspaceId, after?.[0] ?? null, after?.[1] ?? null, limit + 1, query.only ?? null],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ cursor_at: _cursor, ...row }) => ({
        ...row,
        seq: Number(row.seq),
        created_at: row.created_at.toISOString(),
        next_attempt_at: iso(row.next_attempt_at),
      })),
      next_cursor: rows.length > limit && last ? encodeCursor([last.cursor_at, last.id]) : null,
    };
  }

  /** "Send again": the delivery goes out once more now (same id), whatever became of it. */
  async retryDelivery(workspaceId: string, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    await this.get(workspaceId, id);
    const [, affected] = await this.db.query(
      `UPDATE webhook_delivery SET state = 'pending', next_attempt_at = now(), retry_from = now(), completed_at = NULL
        WHERE id = $1 AND subscription_id = $2 AND workspace_id = $3`,
      [deliveryId, id, workspaceId],
    );
    if (!affected) throw notFound('delivery');
    const [delivery] = (await this.deliveries(workspaceId, id, { only: deliveryId })).items;
    return delivery;
  }

  /**
   * Re-delivers, in order and marked as replays (new delivery ids), every event this subscription
   * names after `since_seq` (or from the time `since`), up to MAX_REPLAY of them; answers how many
   * and the last seq queued.
   */
  async replay(
    workspaceId: string,
    id: string,
    from: { since_seq?: number; since?: string },
  ): Promise<{ queued: number; from_seq: number; to_seq: number | null }> {
    await this.get(workspaceId, id);
    if (from.since_seq === undefined && from.since === undefined)
      throw new AppError('validation_failed', 400, { problems: 'since_seq or since is required' });
    // A time becomes the seq of the last event written before it.
    const sinceSeq =
      from.since_seq ??
      Number(
        (
          await this.db.query(
            `SELECT coalesce(max(seq), 0) AS seq FROM event WHERE workspace_id = $1 AND created_at < $2`,
            [workspaceId, from.since],
          )
        )[0].seq,
      );
    const rows: { seq: string }[] = await this.db.query(
      `INSERT INTO webhook_delivery (subscription_id, workspace_id, conversation_id, seq, event_type, replay)
       SELECT s.id, e.workspace_id, e.conversation_id, e.seq, e.type, true
         FROM webhook_subscription s
         JOIN event e ON e.workspace_id = s.workspace_id AND e.seq > $3
        WHERE s.id = $1 AND s.workspace_id = $2
          AND e.type = ANY($4) AND (s.events && ARRAY[e.type, '*']::text[])
        ORDER BY e.seq
        LIMIT $5
       RETURNING seq`,
      [id, workspaceId, sinceSeq, [...WEBHOOK_EVENT_TYPES], MAX_REPLAY],
    );
    const seqs = rows.map((r) => Number(r.seq));
    return { queued: seqs.length, from_seq: sinceSeq, to_seq: seqs.length ? Math.max(...seqs) : null };
  }

  private checkEvents(events: string[]): string[] {
    const allowed: readonly string[] = WEBHOOK_EVENT_TYPES;
    const unknown = events.filter((e) => e !== WEBHOOK_ALL_EVENTS && !allowed.includes(e));
    if (!events.length || unknown.length)
      throw new AppError('webhook_events_invalid', 400, {
        events: unknown.join(', ') || '—',
        allowed: allowed.join(', '),
      });
    return [...new Set(events)];
  }

  private async checkUrl(workspaceId: string, raw: string): Promise<string> {
    try {
      return await this.policy.check(raw);
    } catch (error) {
      if (error instanceof AppError && error.code === 'webhook_url_refused')
        await this.security.record({
          kind: 'webhook_url_refused',
          workspaceId,
          detail: { url: raw.slice(0, 300), reason: String(error.params.reason) },
        });
      throw error;
    }
  }
}
