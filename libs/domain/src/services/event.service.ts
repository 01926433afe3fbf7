import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent, PublishedEvent } from '../events/domain-event';

/** SELECT list turning an event row into a PublishedEvent. */
export const PUBLISHED_EVENT_COLUMNS = `workspace_id, conversation_id, seq::int AS seq, type, payload,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

@Injectable()
export class EventService {
  /**
   * Hands out the workspace's next seq. The UPDATE takes the workspace row lock until the
   * transaction ends, so a workspace's seqs commit in the order they are handed out and a
   * resume cursor can never step over an event that commits late. Call it late in the
   * transaction to keep the lock short.
   */
  async nextSeq(manager: EntityManager, workspaceId: string): Promise<number> {
    const rows: { last_seq: string }[] = await manager.query(
      `WITH bumped AS (UPDATE workspace SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
       SELECT last_seq FROM bumped`,
      [workspaceId],
    );
    return Number(rows[0].last_seq);
  }

  /** Writes the outbox row for `event` with an already-assigned seq (a message shares its event's seq). */
  async write(manager: EntityManager, workspaceId: string, seq: number, event: DomainEvent): Promise<void> {
    await manager.query(
      `INSERT INTO event (workspace_id, conversation_id, seq, type, payload) VALUES ($1, $2, $3, $4, $5)`,
      [workspaceId, event.conversationId, seq, event.type, JSON.stringify(event.payload)],
    );
  }

  /**
   * Events after `since`, oldest first, at most `limit`: what a reconnecting socket missed.
   * Only committed rows are visible, and seqs commit in order, so no later page can gain an older row.
   */
  async since(
    manager: EntityManager,
    workspaceId: string,
    since: number,
    limit: number,
    conversationId?: string,
  ): Promise<PublishedEvent[]> {
    const params: unknown[] = [workspaceId, since, limit];
    const byConversation = conversationId ? `AND conversation_id = $${params.push(conversationId)}` : '';
    return manager.query(
      `SELECT ${PUBLISHED_EVENT_COLUMNS} FROM event
        WHERE workspace_id = $1 AND seq > $2 ${byConversation} ORDER BY seq LIMIT $3`,
      params,
    );
  }

  /** The newest seq the workspace has committed. */
  async lastSeq(manager: EntityManager, workspaceId: string): Promise<number> {
    const rows: { last_seq: string }[] = await manager.query(`SELECT last_seq FROM workspace WHERE id = $1`, [
      workspaceId,
    ]);
    return Number(rows[0]?.last_seq ?? 0);
  }

  /**
   * Hands out `count` consecutive seqs at once (one lock, for a batch) and answers the last; the
   * first is `last - count + 1`. Same lock as nextSeq, held to the end of the transaction.
   */
  async reserveSeqs(manager: EntityManager, workspaceId: string, count: number): Promise<number> {
    const rows: { last_seq: string }[] = await manager.query(
      `WITH bumped AS (UPDATE workspace SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq)
       SELECT last_seq FROM bumped`,
      [workspaceId, count],
    );
    return Number(rows[0].last_seq);
  }

  /** Writes many outbox rows with their already-assigned seqs, in one statement. */
  async writeMany(
    manager: EntityManager,
    workspaceId: string,
    entries: { seq: number; event: DomainEvent }[],
  ): Promise<void> {
    if (!entries.length) return;
    await manager.query(
      `INSERT INTO event (workspace_id, conversation_id, seq, type, payload)
       SELECT $1, e.conversation_id, e.seq, e.type, e.payload
         FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::jsonb[]) AS e(conversation_id, seq, type, payload)`,
      [
        workspaceId,
        entries.map((e) => e.event.conversationId),
        entries.map((e) => e.seq),
        entries.map((e) => e.event.type),
        entries.map((e) => JSON.stringify(e.event.payload)),
      ],
    );
  }

  /** nextSeq + write, for events that are not a message. */
  async append(manager: EntityManager, workspaceId: string, event: DomainEvent): Promise<number> {
    const seq = await this.nextSeq(manager, workspaceId);
    await this.write(manager, workspaceId, seq, event);
    return seq;
  }
}
