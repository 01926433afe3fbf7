import type { CallStatus, CallView } from '@parley/contract/calls';

/** A `call` row as CALL_COLUMNS selects it. */
export interface CallRow {
  id: string;
  workspace_id: string;
  caller_agent_id: string | null;
  caller_contact_id: string | null;
  caller_name: string | null;
  callee_agent_id: string | null;
  /** A website visitor an agent called back (then callee_agent_id is null). */
  callee_contact_id: string | null;
  callee_name: string | null;
  conversation_id: string | null;
  status: CallStatus;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  ended_by: string | null;
  end_reason: string | null;
}

export const CALL_COLUMNS = `id, workspace_id, caller_agent_id, caller_contact_id, caller_name, callee_agent_id,
  callee_contact_id, callee_name, conversation_id, status, started_at, answered_at, ended_at, duration_seconds, ended_by, end_reason`;

/** The call's caller id, agent or contact (a party whose row was deleted keeps an empty id). */
export const callerIdOf = (row: CallRow): string => row.caller_agent_id ?? row.caller_contact_id ?? '';

export const toCallView = (row: CallRow): CallView => ({
  id: row.id,
  status: row.status,
  caller: row.caller_contact_id
    ? { kind: 'contact', id: row.caller_contact_id, name: row.caller_name }
    : { kind: 'agent', id: row.caller_agent_id ?? '', name: row.caller_name },
  callee: row.callee_contact_id
    ? { kind: 'contact', id: row.callee_contact_id, name: row.callee_name }
    : { kind: 'agent', id: row.callee_agent_id ?? '', name: row.callee_name },
  conversation_id: row.conversation_id,
  started_at: row.started_at.toISOString(),
  answered_at: row.answered_at?.toISOString() ?? null,
  ended_at: row.ended_at?.toISOString() ?? null,
  duration_seconds: row.duration_seconds,
  ended_by: row.ended_by,
  end_reason: row.end_reason,
});

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** The conversation's `system` line for a call that ended (its names as they were at the call). */
export function callTimelineText(call: CallView): string {
  const caller = call.caller.name ?? 'someone';
  const callee = call.callee.name ?? 'an agent';
  switch (call.status) {
    case 'ended':
      return `Voice call between ${caller} and ${callee} (${clock(call.duration_seconds ?? 0)})`;
    case 'missed':
      return `Missed call from ${caller} to ${callee}`;
    case 'rejected':
      return `${callee} declined a call from ${caller}`;
    case 'cancelled':
      return `${caller} cancelled a call to ${callee}`;
    case 'busy':
      return `${caller} called ${callee}, who was in another call`;
    case 'failed':
      return `Voice call between ${caller} and ${callee} failed: no connection${call.duration_seconds ? ` after ${clock(call.duration_seconds)}` : ''}`;
    default:
      return `Call from ${caller} to ${callee}`;
  }
}
