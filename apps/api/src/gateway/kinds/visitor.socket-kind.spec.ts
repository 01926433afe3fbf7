import type { MessageView } from '@parley/contract/views';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { WidgetService } from '@parley/domain/widget/widget.service';
import type { Viewer } from '../socket-kind';
import { VisitorSlots } from '../visitor-slots';
import { VisitorSocketKind } from './visitor.socket-kind';

const CONVERSATION = 'c0000000-0000-4000-8000-000000000001';
const viewer: Viewer = { kind: 'visitor', agentId: 'v1', role: 'agent', conversationId: CONVERSATION };
const message = (id: string, type: MessageView['type'], content: string) =>
  ({
    id,
    seq: 1,
    type,
    content,
    conversation_id: CONVERSATION,
    reactions: [],
    attachments: [],
  }) as unknown as MessageView;
const event = (seq: number, type: string, payload: unknown, conversationId = CONVERSATION): PublishedEvent =>
  ({
    workspace_id: 'w',
    conversation_id: conversationId,
    seq,
    type,
    payload,
    created_at: '',
  }) as PublishedEvent;

describe('the visitor socket kind', () => {
  const widget = {
    widgetMessage: (_w: string, m: MessageView) => ({ id: m.id, content: m.content, type: m.type }),
  } as unknown as WidgetService;
  const kind = new VisitorSocketKind(widget);
  const note = message('n1', 'note', 'internal');
  const reply = message('r1', 'support', 'hello');
  const context = {
    views: new Map([
      ['n1', note],
      ['r1', reply],
    ]),
    readSeqs: new Map(),
    readUpTo: new Map(),
    availability: null,
  };

  it('sends replies of its own conversation and nothing of notes, not even their ids', () => {
    expect(kind.eventFrames(event(5, 'message.created', { message: reply }), viewer, context)).toEqual([
      {
        type: 'chat_message',
        seq: 5,
        message: { id: 'r1', content: 'hello', type: 'support' },
        client_id: null,
      },
    ]);
    expect(kind.eventFrames(event(6, 'message.created', { message: note }), viewer, context)).toEqual([]);
    expect(kind.eventFrames(event(7, 'message.deleted', { message_id: 'n1' }), viewer, context)).toEqual([]);
    expect(
      kind.eventFrames(event(8, 'message.status', { message_id: 'n1', status: 'sent' }), viewer, context),
    ).toEqual([]);
  });

  it('hears nothing of another conversation or of what is internal to the workspace', () => {
    const other = event(9, 'message.created', { message: reply }, 'c0000000-0000-4000-8000-000000000002');
    expect(kind.eventFrames(other, viewer, context)).toEqual([]);
    expect(kind.eventFrames(event(10, 'conversation.updated', {}), viewer, context)).toEqual([]);
    expect(
      kind.eventFrames(event(11, 'contact.updated', {}, null as unknown as string), viewer, context),
    ).toEqual([]);
  });

  it("shows agents' typing but never echoes the visitor's own", () => {
    const typing = {
      kind: 'typing' as const,
      workspace_id: 'w',
      conversation_id: CONVERSATION,
      user_id: 'a1',
      username: 'Sara',
      is_typing: true,
      timestamp: '',
    };
    expect(kind.ephemeralFrames(typing, viewer)).toEqual([
      { type: 'typing_indicator', is_typing: true, agent_name: 'Sara' },
    ]);
    expect(kind.ephemeralFrames({ ...typing, visitor: true }, viewer)).toEqual([]);
  });

  it('counts sockets per IP', () => {
    const slots = new VisitorSlots();
    expect(slots.reserve('1.2.3.4', 2)).toBe(true);
    expect(slots.reserve('1.2.3.4', 2)).toBe(true);
    expect(slots.reserve('1.2.3.4', 2)).toBe(false);
    slots.release('1.2.3.4');
    expect(slots.reserve('1.2.3.4', 2)).toBe(true);
  });
});
