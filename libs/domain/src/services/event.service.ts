import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent } from '../events/domain-event';

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

  /** nextSeq + write, for events that are not a message. */
  async append(manager: EntityManager, workspaceId: string, event: DomainEvent): Promise<number> {
    const seq = await this.nextSeq(manager, workspaceId);
    await this.write(manager, workspaceId, seq, event);
    return seq;
  }
}
