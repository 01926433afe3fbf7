import type { ChatMessageFrame, RecentMessagesFrame } from '@parley/contract/server-frames';
import type { MessageView, ParticipantRef } from '@parley/contract/views';
import { chatReducer, emptyChat, ordered, RECENT_PAGE, type ChatFrame, type ChatState } from './chat-state';

const message = (seq: number, overrides: Partial<MessageView> = {}): MessageView => ({
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  seq,
  conversation_id: 'c1',
  type: 'customer',
  content: `message ${seq}`,
  attachments: [],
  status: 'delivered',
  failure_reason: null,
  failure_code: null,
  sender: { kind: 'contact', id: 'k1', name: 'Leila' },
  customer: { id: 'k1', first_name: 'Leila', source: 'telegram' },
  external_send_result: null,
  reply_to: null,
  spam_reason: null,
  story: null,
  reactions: [],
  edited_at: null,
  deleted: false,
  deleted_at: null,
  deleted_by: null,
  platform_change: null,
  created_at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
  ...overrides,
});

const recent = (messages: MessageView[]): RecentMessagesFrame => ({
  type: 'recent_messages',
  messages,
  last_seq: messages.at(-1)?.seq ?? 0,
  timestamp: new Date(1_700_000_100_000).toISOString(),
});
const chatMessage = (m: MessageView, client_id: string | null = null): ChatMessageFrame => ({
  type: 'chat_message',
  seq: m.seq,
  message: m,
  client_id,
  external_send_result: null,
});

const apply = (state: ChatState, ...frames: ChatFrame[]) =>
  frames.reduce((s, frame) => chatReducer(s, { kind: 'frame', frame, now: 1000 }), state);

describe('chat state', () => {
  it('shows a message replayed after a reconnect once, in seq order', () => {
    const state = apply(
      emptyChat(),
      recent([message(1), message(2)]),
      chatMessage(message(3)),
      // the resume replays 3 and brings 4
      chatMessage(message(3)),
      chatMessage(message(4)),
    );
    expect(ordered(state).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('knows whether older history exists from the size of the first page', () => {
    const full = Array.from({ length: RECENT_PAGE }, (_, i) => message(i + 10));
    expect(apply(emptyChat(), recent(full)).hasOlder).toBe(true);
    expect(apply(emptyChat(), recent([message(1)])).hasOlder).toBe(false);
    const older = chatReducer(apply(emptyChat(), recent(full)), {
      kind: 'older',
      messages: [message(5), message(6)],
      hasOlder: false,
    });
    expect(older.oldestSeq).toBe(5);
    expect(older.hasOlder).toBe(false);
    expect(ordered(older)[0].seq).toBe(5);
  });

  it('replaces a pending reply by the stored one carrying its client_id', () => {
    let state = chatReducer(emptyChat(), {
      kind: 'pending',
      reply: { client_id: 'x1', content: 'hi', is_note: false, reply_to: null, created_at: '' },
    });
    expect(state.pending).toHaveLength(1);
    state = apply(state, chatMessage(message(9, { type: 'support', status: 'sending' }), 'x1'));
    expect(state.pending).toHaveLength(0);
    expect(ordered(state)).toHaveLength(1);
  });

  it('moves ticks, and keeps the platform’s reason of a failure', () => {
    const sent = message(5, { type: 'support', status: 'sending' });
    let state = apply(emptyChat(), chatMessage(sent));
    state = apply(state, {
      type: 'message_status',
      seq: 6,
      message_id: sent.id,
      status: 'failed',
      external_send_result: { success: false, error: 'Forbidden: bot was blocked by the user' },
    });
    expect(state.messages.get(sent.id)).toMatchObject({
      status: 'failed',
      failure_reason: 'Forbidden: bot was blocked by the user',
    });
    state = apply(state, {
      type: 'message_status',
      seq: 7,
      message_id: sent.id,
      status: 'read',
      external_send_result: null,
    });
    expect(state.messages.get(sent.id)).toMatchObject({ status: 'read', failure_reason: null });
  });

  it('keeps the platform’s answer of a send: none while a retry is sending, kept once read', () => {
    const reply = message(5, { type: 'support', status: 'failed', customer: null });
    const failure = { success: false as const, error: 'Bad Request: chat not found' };
    const success = { success: true as const, message_id: '42:7' };
    let state = apply(emptyChat(), chatMessage({ ...reply, external_send_result: failure }));
    state = apply(state, {
      type: 'message_status',
      seq: 6,
      message_id: reply.id,
      status: 'sending',
      external_send_result: null,
    });
    expect(state.messages.get(reply.id)!.external_send_result).toBeNull();
    state = apply(
      state,
      { type: 'message_status', seq: 7, message_id: reply.id, status: 'sent', external_send_result: success },
      { type: 'message_status', seq: 8, message_id: reply.id, status: 'read', external_send_result: null },
    );
    expect(state.messages.get(reply.id)).toMatchObject({ status: 'read', external_send_result: success });
  });

  it('shows how an agent’s change stands at the platform, pending then failed with the reason', () => {
    const reply = message(5, { type: 'support', status: 'sent', customer: null });
    const change = (seq: number, state: 'pending' | 'failed', reason: string | null) => ({
      type: 'message_platform_change' as const,
      seq,
      conversation_id: 'c1',
      message_id: reply.id,
      platform_change: { kind: 'edit' as const, state, reason, updated_at: new Date(seq).toISOString() },
    });
    let state = apply(emptyChat(), chatMessage(reply));
    state = apply(state, change(6, 'pending', null));
    expect(state.messages.get(reply.id)!.platform_change).toMatchObject({ kind: 'edit', state: 'pending' });
    state = apply(state, change(7, 'failed', 'Bad Request: message to edit not found'));
    expect(state.messages.get(reply.id)!.platform_change).toMatchObject({
      state: 'failed',
      reason: 'Bad Request: message to edit not found',
    });
  });

  it('adds and removes one sender’s reaction without touching another’s', () => {
    const m = message(1);
    const agent: ParticipantRef = { kind: 'agent', id: 'a1' };
    const contact: ParticipantRef = { kind: 'contact', id: 'k1' };
    let state = apply(
      emptyChat(),
      chatMessage(m),
      { type: 'reaction', seq: 2, message_id: m.id, emoji: '👍', action: 'add', sender: agent },
      { type: 'reaction', seq: 3, message_id: m.id, emoji: '👍', action: 'add', sender: contact },
      { type: 'reaction', seq: 4, message_id: m.id, emoji: '👍', action: 'add', sender: agent },
    );
    expect(state.messages.get(m.id)!.reactions).toHaveLength(2);
    state = apply(state, {
      type: 'reaction',
      seq: 5,
      message_id: m.id,
      emoji: '👍',
      action: 'remove',
      sender: agent,
    });
    expect(state.messages.get(m.id)!.reactions).toEqual([{ emoji: '👍', sender: contact }]);
  });

  it('empties a deleted message and forgets typing that went quiet', () => {
    const m = message(1);
    let state = apply(
      emptyChat(),
      chatMessage(m),
      {
        type: 'message_deleted',
        seq: 2,
        conversation_id: 'c1',
        message_id: m.id,
        deleted_at: new Date(1_700_000_100_000).toISOString(),
        deleted_by: { kind: 'agent', id: 'a1' },
      },
      {
        type: 'typing_indicator',
        conversation_id: 'c1',
        user_id: 'a2',
        username: 'Omid',
        is_typing: true,
        timestamp: new Date(1_700_000_100_000).toISOString(),
      },
    );
    expect(state.messages.get(m.id)).toMatchObject({ deleted: true, content: '' });
    expect([...state.typing.values()].map((t) => t.name)).toEqual(['Omid']);
    state = chatReducer(state, { kind: 'expire-typing', now: 1000 + 60_000 });
    expect(state.typing.size).toBe(0);
  });
});
