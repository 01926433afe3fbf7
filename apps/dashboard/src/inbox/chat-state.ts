import type { ChatServerFrame, ErrorFrame } from '@parley/contract/server-frames';
import type { ConversationView, MessageView } from '@parley/contract/views';
import { unhandled } from '../api/frames';
import { relabel } from './label-frames';

/** What the chat socket sends about the conversation; its `error` frames are the view's to show. */
export type ChatFrame = Exclude<ChatServerFrame, ErrorFrame>;

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
  messages: Map<string, MessageView>;
  pending: PendingReply[];
  conversation: ConversationView | null;
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
  | { kind: 'frame'; frame: ChatFrame; now: number }
  | { kind: 'older'; messages: MessageView[]; hasOlder: boolean }
  | { kind: 'conversation'; conversation: ConversationView }
  | { kind: 'pending'; reply: PendingReply }
  | { kind: 'unpend'; client_id: string }
  | { kind: 'refused'; client_id: string; reason: string }
  | { kind: 'expire-typing'; now: number };

function withMessages(state: ChatState, messages: MessageView[]): ChatState {
  const next = new Map(state.messages);
  for (const message of messages) next.set(message.id, message);
  return { ...state, messages: next };
}

function patch(state: ChatState, id: string, change: (m: MessageView) => MessageView): ChatState {
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

/** Every chat frame type has its case: a new one does not compile until it is handled here. */
function applyFrame(state: ChatState, frame: ChatFrame, now: number): ChatState {
  switch (frame.type) {
    case 'recent_messages': {
      const { messages } = frame;
      const next = withMessages(state, messages);
      return {
        ...next,
        oldestSeq: messages.length ? messages[0].seq : null,
        hasOlder: messages.length >= RECENT_PAGE,
      };
    }
    case 'chat_message': {
      const next = withMessages(state, [frame.message]);
      const clientId = frame.client_id;
      return clientId ? { ...next, pending: next.pending.filter((p) => p.client_id !== clientId) } : next;
    }
    case 'message_updated':
      return withMessages(state, [frame.message]);
    case 'message_deleted':
      return patch(state, frame.message_id, (m) => ({
        ...m,
        deleted: true,
        content: '',
        attachments: [],
        reactions: [],
      }));
    case 'message_status':
      return patch(state, frame.message_id, (m) => ({
        ...m,
        status: frame.status,
        failure_reason: frame.status === 'failed' ? frame.external_send_result.error : null,
        failure_code: frame.status === 'failed' ? (frame.external_send_result.code ?? null) : null,
        // a retry (sending) has no answer yet; delivered and read keep the send's
        external_send_result:
          frame.status === 'sending' ? null : (frame.external_send_result ?? m.external_send_result),
      }));
    case 'message_platform_change':
      return patch(state, frame.message_id, (m) => ({ ...m, platform_change: frame.platform_change }));
    case 'reaction': {
      const { sender, emoji } = frame;
      return patch(state, frame.message_id, (m) => {
        const others = m.reactions.filter(
          (r) => !(r.emoji === emoji && r.sender.kind === sender.kind && r.sender.id === sender.id),
        );
        return { ...m, reactions: frame.action === 'add' ? [...others, { emoji, sender }] : others };
      });
    }
    case 'typing_indicator': {
      const typing = new Map(state.typing);
      if (frame.is_typing) typing.set(frame.user_id, { name: frame.username, until: now + TYPING_TTL_MS });
      else typing.delete(frame.user_id);
      return { ...state, typing };
    }
    case 'conversation_updated':
      return { ...state, conversation: frame.conversation };
    case 'label_updated':
    case 'label_deleted':
      return state.conversation
        ? {
            ...state,
            conversation: { ...state.conversation, labels: relabel(state.conversation.labels, frame) },
          }
        : state;
    case 'read_receipt': // another agent's reading changes nothing this agent sees here
    case 'user_presence': // the team's presence is kept by the conversations socket (ui/live.tsx)
    case 'pong':
    case 'auth_ok':
      return state;
    default:
      unhandled(frame);
      return state;
  }
}

/** Messages oldest first. */
export function ordered(state: ChatState): MessageView[] {
  return [...state.messages.values()].sort((a, b) => a.seq - b.seq);
}
