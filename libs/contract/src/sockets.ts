/** The agents' WebSocket endpoints: `/ws/chat/{conversation_id}/`, `/ws/conversations/`, `/ws/notifications/`. */
export const SOCKET_KINDS = ['chat', 'conversations', 'notifications'] as const;
export type SocketKind = (typeof SOCKET_KINDS)[number];

/** Close codes of a socket whose session ended: 4001 sign in again (or refresh), 4003 not allowed any more. */
export const SESSION_CLOSE = { ended: 4001, forbidden: 4003 } as const;
export type SessionCloseCode = (typeof SESSION_CLOSE)[keyof typeof SESSION_CLOSE];
