/**
 * Client → server frames, one zod union per socket kind: the api validates every incoming frame
 * against its socket's union at the edge, and the dashboard types what it sends with it.
 */
import { z } from 'zod';
import { callSignalFrame } from './calls';
import type { SocketKind } from './sockets';

/**
 * The most text one reply or edit may carry, by socket or REST (Telegram's limit for one message);
 * each platform's own limit is checked when the reply is made.
 */
export const MAX_CONTENT_LENGTH = 4096;

const uuid = z.string().uuid();
const frame = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape });

const chatMessage = frame('chat_message', {
  content: z.string().max(MAX_CONTENT_LENGTH),
  client_id: z.string().max(100).nullish(),
  reply_to: uuid.nullish(),
  is_note: z.boolean().optional(),
  /** Rows of link buttons under a support reply (their limits are checked with the reply: `buttons_invalid`). */
  buttons: z
    .array(z.array(z.object({ caption: z.string().max(1000), url: z.string().max(4096) })).max(100))
    .max(100)
    .nullish(),
});
const typing = frame('typing', { is_typing: z.boolean() });
const markRead = frame('mark_read', { message_id: uuid.nullish() });
const reaction = frame('reaction', {
  message_id: uuid,
  emoji: z.string().min(1).max(32).regex(/^\S+$/u, 'an emoji has no spaces'),
  action: z.enum(['add', 'remove']),
});
const editMessage = frame('edit_message', { message_id: uuid, content: z.string().max(MAX_CONTENT_LENGTH) });
const deleteMessage = frame('delete_message', { message_id: uuid });
/** Any socket kind: a fresh access token, so the socket outlives the one it opened with. */
const auth = frame('auth', { token: z.string().min(1).max(4096) });
const ping = frame('ping', {});

export const CLIENT_FRAMES = {
  chat: z.discriminatedUnion('type', [
    chatMessage,
    typing,
    markRead,
    reaction,
    editMessage,
    deleteMessage,
    auth,
    ping,
  ]),
  conversations: z.discriminatedUnion('type', [auth, ping]),
  /** `call_signal` (libs/contract/src/calls.ts): WebRTC signalling of a call the agent is a party of. */
  notifications: z.discriminatedUnion('type', [auth, ping, callSignalFrame]),
  /** The web chat widget's visitor (libs/contract/src/widget.ts `VisitorClientFrame`). */
  visitor: z.discriminatedUnion('type', [
    frame('chat_message', {
      content: z.string().max(MAX_CONTENT_LENGTH),
      client_id: z.string().max(100).nullish(),
    }),
    typing,
    markRead,
    ping,
  ]),
  /** A call-link customer's socket: the signalling of its own calls. */
  call: z.discriminatedUnion('type', [callSignalFrame, ping]),
} as const satisfies Record<SocketKind, z.ZodDiscriminatedUnion<'type', z.AnyZodObject[]>>;

/** A frame a socket of kind K accepts (every kind's, by default). */
export type ClientFrame<K extends SocketKind = SocketKind> = z.infer<(typeof CLIENT_FRAMES)[K]>;

/** The agents' sockets (the widget's visitor socket has frames of its own, some of the same names). */
type AgentSocketKind = Exclude<SocketKind, 'visitor' | 'call'>;

/** One agent client frame type, e.g. `ClientFrameOf<'chat_message'>`. */
export type ClientFrameOf<T extends ClientFrame<AgentSocketKind>['type']> = Extract<
  ClientFrame<AgentSocketKind>,
  { type: T }
>;
