import type { ConversationView, MessageView } from '@parley/contract/views';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { ConversationListCache, UNREAD_WINDOW, UnreadState } from './conversation-list.cache';

const W = 'ws';
const C = 'conversation-1';
let seq = 100;
const event = (type: string, payload: object, conversationId: string | null = C) =>
  ({
    workspace_id: W,
    conversation_id: conversationId,
    seq: ++seq,
    type,
    payload,
    created_at: new Date().toISOString(),
  }) as PublishedEvent;
const customerMessage = (s: number, content = 'hi') =>
  ({
    ...event('message.created', {}),
    seq: s,
    payload: {
      message: {
        id: `m${s}`,
        seq: s,
        type: 'customer',
        content,
        attachments: [],
        created_at: '2026-11-30T00:00:00.000Z',
      } as unknown as MessageView,
    },
  }) as PublishedEvent;
const state = (overrides: Partial<UnreadState> = {}): UnreadState => ({
  upTo: 10,
  reads: new Map([['a', 4]]),
  customerSeqs: [2, 4, 6, 8],
  complete: 0,
  ...overrides,
});

describe('ConversationListCache', () => {
  it('counts an agent’s unread customer messages above its read position', () => {
    const cache = new ConversationListCache();
    const s = state();
    expect(cache.unreadOf(s, 'a')).toBe(2); // 6, 8
    expect(cache.unreadOf(s, 'never-read')).toBe(4);
  });

  it('follows new customer messages and reads, skipping what the loaded state already holds', () => {
    const cache = new ConversationListCache();
    cache.setUnreadState(C, state());
    cache.observe(customerMessage(9)); // at or below upTo: already counted
    cache.observe(customerMessage(11));
    const s = cache.unreadState(C)!;
    expect(s.customerSeqs).toEqual([2, 4, 6, 8, 11]);
    cache.observe({ ...event('conversation.read', { agent_id: 'a', message_id: 'm8', seq: 8 }), seq: 12 });
    expect(cache.unreadOf(s, 'a')).toBe(1);
    // A read position never moves back.
    cache.observe({ ...event('conversation.read', { agent_id: 'a', message_id: 'm2', seq: 2 }), seq: 13 });
    expect(cache.unreadOf(s, 'a')).toBe(1);
  });

  it('knows when an agent read before the window it keeps, and says it cannot count then', () => {
    const cache = new ConversationListCache();
    const seqs = Array.from({ length: UNREAD_WINDOW }, (_, i) => 1000 + i);
    cache.setUnreadState(
      C,
      state({ upTo: 2000, customerSeqs: seqs, complete: 999, reads: new Map([['old', 5]]) }),
    );
    const s = cache.unreadState(C)!;
    expect(cache.unreadOf(s, 'old')).toBeUndefined();
    cache.observe(customerMessage(2001));
    expect(s.customerSeqs).toHaveLength(UNREAD_WINDOW);
    expect(s.complete).toBe(1000);
    expect(cache.unreadOf(s, 'new')).toBeUndefined(); // never read: older messages exist beyond the window
  });

  it('moves a cached view to the newest message, and drops what a deletion changes', () => {
    const cache = new ConversationListCache();
    const view = { id: C, last_message_preview: 'old', last_message_at: 'then' } as ConversationView;
    cache.setView(view);
    cache.setUnreadState(C, state());
    cache.observe(customerMessage(20, 'where is my order?'));
    expect(cache.view(C)).toMatchObject({
      last_message_preview: 'where is my order?',
      last_customer_message_at: '2026-11-30T00:00:00.000Z',
    });
    cache.observe(event('message.deleted', { message_id: 'm20' }));
    expect(cache.view(C)).toBeUndefined();
    expect(cache.unreadState(C)).toBeUndefined();
  });

  it('a renamed label is renamed, and a deleted one dropped, in every cached view that carries it', () => {
    const cache = new ConversationListCache();
    const vip = { id: 'l1', name: 'VIP', color: '#ff0000' };
    const other = { id: 'l2', name: 'Refund', color: '#00ff00' };
    cache.setView({ id: C, labels: [vip, other] } as ConversationView);
    cache.setView({ id: 'conversation-2', labels: [other] } as ConversationView);
    cache.observe(event('label.updated', { label: { ...vip, name: 'Gold', color: '#ffd700' } }, null));
    expect(cache.view(C)?.labels).toEqual([{ id: 'l1', name: 'Gold', color: '#ffd700' }, other]);
    cache.observe(event('label.deleted', { label_id: 'l2' }, null));
    expect(cache.view(C)?.labels).toEqual([{ id: 'l1', name: 'Gold', color: '#ffd700' }]);
    expect(cache.view('conversation-2')?.labels).toEqual([]);
  });

  it('a note changes neither the preview nor the count', () => {
    const cache = new ConversationListCache();
    cache.setView({ id: C, last_message_preview: 'kept' } as ConversationView);
    cache.setUnreadState(C, state());
    cache.observe({
      ...customerMessage(30),
      payload: { message: { type: 'note', content: 'private', attachments: [] } as unknown as MessageView },
    } as PublishedEvent);
    expect(cache.view(C)?.last_message_preview).toBe('kept');
    expect(cache.unreadState(C)!.customerSeqs).toEqual([2, 4, 6, 8]);
  });
});
