import type { DataSource } from 'typeorm';
import type { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import { sendFrame } from '../ws.adapter';

/**
 * How a workspace-wide socket (the list, notifications) opens: `ready {last_seq}`, current to the
 * workspace's newest event; it hears everything after.
 */
export async function openReady(socket: ClientSocket, events: EventService, db: DataSource): Promise<number> {
  const lastSeq = await events.lastSeq(db.manager, socket.parley.agent.workspaceId);
  sendFrame(socket, { type: 'ready', last_seq: lastSeq });
  return lastSeq;
}
