import type { CallView } from '@parley/contract/calls';
import type { MessageView } from '@parley/contract/views';
import type { CallAnswerService } from '@parley/domain/calls/call-answer.service';
import type { VisitorPresenceService } from '@parley/domain/calls/visitor-presence.service';
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
  const answers = {
    url: (w: string, callId: string, contactId: string) =>
      `https://api/call/answer/${w}:${callId}:${contactId}`,
  } as unknown as CallAnswerService;
  const kind = new VisitorSocketKind(widget, answers, {} as VisitorPresenceService);
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

  const call = (patch: Partial<CallView>): CallView => ({
    id: 'call1',
    status: 'ringing',
    caller: { kind: 'agent', id: 'a1', name: 'Sara' },
    callee: { kind: 'contact', id: 'k1', name: 'Visitor K1' },
    conversation_id: CONVERSATION,
    started_at: '',
    answered_at: null,
    ended_at: null,
    duration_seconds: null,
    ended_by: null,
    end_reason: null,
    ...patch,
  });

  it("rings the visitor of the call's conversation with an answer page for that call, then says when it stops ringing", () => {
    expect(
      kind.eventFrames(
        event(12, 'call.updated', { call: call({}) }, null as unknown as string),
        viewer,
        context,
      ),
    ).toEqual([
      {
        type: 'incoming_call',
        call_id: 'call1',
        caller_username: 'Sara',
        conversation_id: CONVERSATION,
        answer_url: 'https://api/call/answer/w:call1:k1',
      },
    ]);
    expect(
      kind.eventFrames(
        event(13, 'call.updated', { call: call({ status: 'cancelled' }) }, null as unknown as string),
        viewer,
        context,
      ),
    ).toEqual([{ type: 'call_state', call_id: 'call1', status: 'cancelled' }]);
  });

  it("never tells a visitor of another conversation's call, nor of calls between agents", () => {
    const other = call({ conversation_id: 'c0000000-0000-4000-8000-000000000002' });
    const toAgent = call({ callee: { kind: 'agent', id: 'a2', name: 'Reza' } });
    for (const c of [other, toAgent])
      expect(
        kind.eventFrames(event(14, 'call.updated', { call: c }, null as unknown as string), viewer, context),
      ).toEqual([]);
    expect(
      kind.eventFrames(
        event(15, 'call.updated', { call: call({}) }, null as unknown as string),
        { ...viewer, conversationId: undefined },
        context,
      ),
    ).toEqual([]);
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
