import type { CallView } from '@parley/contract/calls';
import { CallRow, callTimelineText, toCallView } from './call.presenter';

const call = (patch: Partial<CallView>): CallView => ({
  id: 'c1',
  status: 'ended',
  caller: { kind: 'agent', id: 'a1', name: 'Sara' },
  callee: { kind: 'agent', id: 'a2', name: 'Omid' },
  conversation_id: 'k1',
  started_at: '2026-01-01T10:00:00.000Z',
  answered_at: null,
  ended_at: null,
  duration_seconds: null,
  ended_by: null,
  end_reason: null,
  ...patch,
});

describe('callTimelineText', () => {
  it.each([
    [{ status: 'ended', duration_seconds: 151 }, 'Voice call between Sara and Omid (2:31)'],
    [{ status: 'missed' }, 'Missed call from Sara to Omid'],
    [{ status: 'rejected' }, 'Omid declined a call from Sara'],
    [{ status: 'cancelled' }, 'Sara cancelled a call to Omid'],
    [{ status: 'busy' }, 'Sara called Omid, who was in another call'],
    [{ status: 'failed', duration_seconds: 0 }, 'Voice call between Sara and Omid failed: no connection'],
    [
      { status: 'failed', duration_seconds: 65 },
      'Voice call between Sara and Omid failed: no connection after 1:05',
    ],
  ] as [Partial<CallView>, string][])('writes %j as the timeline line', (patch, text) => {
    expect(callTimelineText(call(patch))).toBe(text);
  });

  it('names a customer caller without a name as someone', () => {
    expect(
      callTimelineText(call({ status: 'missed', caller: { kind: 'contact', id: 'x', name: null } })),
    ).toBe('Missed call from someone to Omid');
  });
});

describe('toCallView', () => {
  const row = (patch: Partial<CallRow>): CallRow => ({
    id: 'c1',
    workspace_id: 'w1',
    caller_agent_id: 'a1',
    caller_contact_id: null,
    caller_name: 'Sara',
    callee_agent_id: 'a2',
    callee_contact_id: null,
    callee_name: 'Omid',
    conversation_id: 'k1',
    status: 'ringing',
    started_at: new Date('2026-01-01T10:00:00.000Z'),
    answered_at: null,
    ended_at: null,
    duration_seconds: null,
    ended_by: null,
    end_reason: null,
    ...patch,
  });

  it('names an agent callee as an agent, and a website visitor an agent called as a contact', () => {
    expect(toCallView(row({})).callee).toEqual({ kind: 'agent', id: 'a2', name: 'Omid' });
    const visitor = toCallView(
      row({ callee_agent_id: null, callee_contact_id: 'p1', callee_name: 'Visitor 4F2A' }),
    );
    expect(visitor.callee).toEqual({ kind: 'contact', id: 'p1', name: 'Visitor 4F2A' });
    expect(callTimelineText({ ...visitor, status: 'rejected' })).toBe(
      'Visitor 4F2A declined a call from Sara',
    );
  });
});
