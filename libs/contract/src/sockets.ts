/**
 * The WebSocket endpoints: the agents' `/ws/chat/{conversation_id}/`, `/ws/conversations/`,
 * `/ws/notifications/`, the web chat widget's visitor socket `/ws/visitor/`, and a call-link
 * customer's `/ws/call/` (its calls' states and signalling).
 */
export const SOCKET_KINDS = ['chat', 'conversations', 'notifications', 'visitor', 'call'] as const;
export type SocketKind = (typeof SOCKET_KINDS)[number];

/** Close codes of a socket whose session ended: 4001 sign in again (or refresh), 4003 not allowed any more. */
export const SESSION_CLOSE = { ended: 4001, forbidden: 4003 } as const;
export type SessionCloseCode = (typeof SESSION_CLOSE)[keyof typeof SESSION_CLOSE];
