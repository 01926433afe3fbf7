import { SESSION_CLOSE, type SessionCloseCode } from '@parley/contract/sockets';
import { EventBus } from '@parley/realtime/event-bus';

/** Tells every api instance to close the sockets of an agent's sign-in (or of all its sign-ins). */
export function endSessions(
  bus: EventBus,
  ended: { workspaceId: string; agentId: string; sessionId: string | null; reason: string },
  code: SessionCloseCode = SESSION_CLOSE.ended,
): Promise<void> {
  return bus.publishEphemeral({
    kind: 'session_ended',
    workspace_id: ended.workspaceId,
    user_id: ended.agentId,
    session_id: ended.sessionId,
    code,
    reason: ended.reason,
  });
}
