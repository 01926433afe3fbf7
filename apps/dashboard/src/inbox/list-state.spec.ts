import type { ConversationView } from '@parley/contract/views';
import { mergeReload } from './list-state';

const at = (second: number) => new Date(1_700_000_000_000 + second * 1000).toISOString();

const conversation = (
  id: string,
  second: number,
  overrides: Partial<ConversationView> = {},
): ConversationView => ({
  id,
  status: 'open',
  channel: { id: 'ch', type: 'telegram', name: 'Bot' },
  contact: { id: `k-${id}`, name: id, username: null, avatar_url: null },
  assignee: null,
  bot: null,
  labels: [],
  team: null,
  last_message_at: at(second),
  last_message_preview: `message at ${second}`,
  last_customer_message_at: at(second),
  created_at: at(0),
  updated_at: at(second),
  ...overrides,
});

const all = () => true;

describe('the inbox list after a reload', () => {
  it('keeps a message that arrived over the socket while the page was being fetched', () => {
    const page = [conversation('tara', 10), conversation('leila', 5)];
    const live = conversation('tara', 12, { last_message_preview: 'Still live' });
    const merged = mergeReload(page, [live], all);
    expect(merged.map((c) => [c.id, c.last_message_preview])).toEqual([
      ['tara', 'Still live'],
      ['leila', 'message at 5'],
    ]);
  });

  it('adds a conversation created during the fetch, newest first', () => {
    const merged = mergeReload([conversation('leila', 5)], [conversation('new', 9)], all);
    expect(merged.map((c) => c.id)).toEqual(['new', 'leila']);
  });

  it('prefers the page when its copy is newer than the frame', () => {
    const page = [conversation('tara', 20, { last_message_preview: 'newest' })];
    const merged = mergeReload(page, [conversation('tara', 12)], all);
    expect(merged[0].last_message_preview).toBe('newest');
  });

  it('drops a conversation a frame moved out of the filter', () => {
    const page = [conversation('tara', 10), conversation('leila', 5)];
    const resolved = conversation('tara', 11, { status: 'resolved' });
    const merged = mergeReload(page, [resolved], (c) => c.status !== 'resolved');
    expect(merged.map((c) => c.id)).toEqual(['leila']);
  });
});
