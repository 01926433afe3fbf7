import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { WEBHOOK_EVENT_TYPES } from '@parley/contract/webhooks';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import { EventLog, EventReader } from '../events/event-log';

/**
 * What a subscription's deliveries keep their order by (the delivery's `conversation_id` column):
 * the conversation, or for a contact's events the contact.
 */
const orderKeyOf = (event: PublishedEvent): string | null =>
  event.conversation_id ??
  (event.type === 'contact.created' || event.type === 'contact.updated'
    ? (event as PublishedEvent<Extract<DomainEvent, { type: 'contact.created' }>>).payload.contact.id
    : null);

/**
 * The event log's `webhooks` reader: each workspace's new events become one `webhook_delivery` row
 * per active subscription that names them, in one statement. A batch that comes again (its cursor
 * did not commit) adds nothing: one delivery per (subscription, event). Its lag is the event log's
 * (`/metrics`, the admins' event-readers page); each subscription's own backlog is its pending
 * deliveries, which the worker sends.
 */
@Injectable()
export class WebhookFanout implements EventReader, OnModuleInit {
  readonly name = 'webhooks';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly log: EventLog,
  ) {}

  onModuleInit(): void {
    this.log.register(this);
  }

  /** A workspace without an active subscription has nobody to deliver to: its events are skipped unread. */
  async idleIn(workspaceId: string, db: QueryRunner): Promise<boolean> {
    const [row]: { active: boolean }[] = await db.query(
      `SELECT EXISTS (SELECT 1 FROM webhook_subscription WHERE workspace_id = $1 AND state = 'active') AS active`,
      [workspaceId],
    );
    return !row.active;
  }

  async handle(workspaceId: string, events: PublishedEvent[]): Promise<void> {
    const wanted = events.filter((e) => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e.type));
    if (!wanted.length) return;
    await this.db.query(
      `INSERT INTO webhook_delivery (subscription_id, workspace_id, conversation_id, seq, event_type)
       SELECT s.id, s.workspace_id, e.conversation_id, e.seq, e.type
         FROM webhook_subscription s
         JOIN unnest($2::bigint[], $3::text[], $4::uuid[]) AS e(seq, type, conversation_id) ON e.seq > s.start_seq
        WHERE s.workspace_id = $1 AND s.state = 'active' AND s.events && ARRAY[e.type, '*']::text[]
        ORDER BY e.seq
       ON CONFLICT (subscription_id, seq) WHERE NOT replay DO NOTHING`,
      [workspaceId, wanted.map((e) => e.seq), wanted.map((e) => e.type), wanted.map(orderKeyOf)],
    );
  }
}
