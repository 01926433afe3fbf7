import type { Conversation, Frame, Message } from '../api/types';

/** A reply typed here that the server has not echoed yet. */
export interface PendingReply {
  client_id: string;
  content: string;
  is_note: boolean;
  reply_to: string | null;
  created_at: string;
  /** Why the server refused it (rate limit, spam, too long): shown with Retry and Dismiss. */
  error?: string;
}

export interface ChatState {
  /** By id: a frame replayed after a reconnect replaces, never duplicates. */
  messages: Map<string, Message>;
  pending: PendingReply[];
  conversation: Conversation | null;
  /** user id → who is typing and until when (ms) */
  typing: Map<string, { name: string; until: number }>;
  /** the oldest seq loaded, for "load older"; null before the first page */
  oldestSeq: number | null;
  hasOlder: boolean;
}

export const RECENT_PAGE = 50;
const TYPING_TTL_MS = 6000;

export const emptyChat = (): ChatState => ({
  messages: new Map(),
  pending: [],
  conversation: null,
  typing: new Map(),
  oldestSeq: null,
  hasOlder: false,
});

export type ChatAction =
  | { kind: 'frame'; frame: Frame; now: number }
  | { kind: 'older'; messages: Message[]; hasOlder: boolean }
  | { kind: 'conversation'; conversation: Conversation }
  | { kind: 'pending'; reply: PendingReply }
  | { kind: 'unpend'; client_id: string }
  | { kind: 'refused'; client_id: string; reason: string }
  | { kind: 'expire-typing'; now: number };

function withMessages(state: ChatState, messages: Message[]): ChatState {
  const next = new Map(state.messages);
  for (const message of messages) next.set(message.id, message);
  return { ...state, messages: next };
}

function patch(state: ChatState, id: string, change: (m: Message) => Message): ChatState {
  const message = state.messages.get(id);
  if (!message) return state;
  return { ...state, messages: new Map(state.messages).set(id, change(message)) };
}

/** Applies one chat-socket frame (or a local action) to the conversation's state. Pure. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.kind) {
    case 'older': {
      const next = withMessages(state, action.messages);
      const seqs = action.messages.map((m) => m.seq);
      return {
        ...next,
        oldestSeq: seqs.length ? Math.min(...seqs, state.oldestSeq ?? Infinity) : state.oldestSeq,
        hasOlder: action.hasOlder,
      };
    }
    case 'conversation':
      return { ...state, conversation: action.conversation };
    case 'pending':
      return { ...state, pending: [...state.pending, action.reply] };
    case 'refused':
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.client_id === action.client_id ? { ...p, error: action.reason } : p,
        ),
      };
    case 'unpend':
      return { ...state, pending: state.pending.filter((p) => p.client_id !== action.client_id) };
    case 'expire-typing': {
      const typing = new Map([...state.typing].filter(([, t]) => t.until > action.now));
      return typing.size === state.typing.size ? state : { ...state, typing };
    }
    case 'frame':
      return applyFrame(state, action.frame, action.now);
  }
}

function applyFrame(state: ChatState, frame: Frame, now: number): ChatState {
  switch (frame.type) {
    case 'recent_messages': {
      const messages = frame.messages as Message[];
      const next = withMessages(state, messages);
      return {
        ...next,
        oldestSeq: messages.length ? messages[0].seq : null,
        hasOlder: messages.length >= RECENT_PAGE,
      };
    }
    case 'chat_message': {
      const message = frame.message as Message;
      const next = withMessages(state, [message]);
      const clientId = frame.client_id as string | null;
      return clientId ? { ...next, pending: next.pending.filter((p) => p.client_id !== clientId) } : next;
    }
    case 'message_updated':
      return withMessages(state, [frame.message as Message]);
    case 'message_deleted':
      return patch(state, String(frame.message_id), (m) => ({
        ...m,
        deleted: true,
        content: '',
        attachments: [],
        reactions: [],
      }));
    case 'message_status': {
      const result = frame.external_send_result as { error?: string } | null;
      return patch(state, String(frame.message_id), (m) => ({
        ...m,
        status: frame.status as Message['status'],
        failure_reason: frame.status === 'failed' ? (result?.error ?? m.failure_reason) : null,
      }));
    }
    case 'reaction': {
      const sender = frame.sender as Message['reactions'][number]['sender'];
      const emoji = String(frame.emoji);
      return patch(state, String(frame.message_id), (m) => {
        const others = m.reactions.filter(
          (r) => !(r.emoji === emoji && r.sender.kind === sender.kind && r.sender.id === sender.id),
        );
        return { ...m, reactions: frame.action === 'add' ? [...others, { emoji, sender }] : others };
      });
    }
    case 'typing_indicator': {
      const typing = new Map(state.typing);
      if (frame.is_typing)
        typing.set(String(frame.user_id), { name: String(frame.username), until: now + TYPING_TTL_MS });
      else typing.delete(String(frame.user_id));
      return { ...state, typing };
    }
    case 'conversation_updated':
      return { ...state, conversation: frame.conversation as Conversation };
    default:
      return state;
  }
}

/** Messages oldest first. */
export function ordered(state: ChatState): Message[] {
  return [...state.messages.values()].sort((a, b) => a.seq - b.seq);
}
