/**
 * Voice calls over WebRTC (DESIGN.md "Calls"): the REST answers, the call's states, and the frames
 * the notifications socket carries both ways (incoming call, state changes, signalling).
 */
import { z } from 'zod';

/**
 * ringing → active → ended; or, from ringing: missed (nobody answered in time), rejected (the
 * callee said no), cancelled (the caller hung up first), busy (the callee was in another call),
 * failed (no media path could be made, or a party's connection was lost for good).
 */
export const CALL_STATUSES = [
  'ringing',
  'active',
  'ended',
  'missed',
  'rejected',
  'cancelled',
  'busy',
  'failed',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The states a call never leaves. */
export const FINAL_CALL_STATUSES: readonly CallStatus[] = [
  'ended',
  'missed',
  'rejected',
  'cancelled',
  'busy',
  'failed',
];

/** A party of a call: an agent, or a customer (contact): calling from a call link, or a website visitor an agent called. */
export interface CallParty {
  kind: 'agent' | 'contact';
  id: string;
  name: string | null;
}

export interface CallView {
  id: string;
  status: CallStatus;
  caller: CallParty;
  callee: CallParty;
  conversation_id: string | null;
  /** When it started ringing. */
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  /** Seconds between answer and end; null for a call never answered. */
  duration_seconds: number | null;
  /** Which party ended it (agent or contact id); null when nobody did (missed, busy). */
  ended_by: string | null;
  /** Why it ended, in machine words: `hangup`, `no_answer`, `busy`, `rejected`, `cancelled`, `media_failed`, `stale`. */
  end_reason: string | null;
}

/** `POST /api/v1/calls`: the call as it starts (`busy` when the callee is in another call). */
export interface CallStartView {
  call_id: string;
  status: CallStatus;
}

/** One entry of `GET /api/v1/calls/ice-servers` (RTCIceServer's shape). */
export interface IceServerView {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `GET /api/v1/calls/ice-servers`: STUN and TURN for this agent; TURN credentials expire after `ttl_seconds`. */
export interface IceServersView {
  ice_servers: IceServerView[];
  ttl_seconds: number;
}

/** `POST /api/v1/conversations/{id}/call-link`: a page the customer opens to call the agent. */
export interface CallLinkView {
  url: string;
  expires_at: string;
}

/** `GET /api/v1/conversations/{id}/visitor-call`: whether its website visitor can be called now. */
export interface VisitorCallView {
  /** A website conversation (customers of other channels get call links). */
  web: boolean;
  /** The visitor has the widget open on the site now. */
  online: boolean;
}

/** What a signalling frame carries: an SDP offer or answer, an ICE candidate, or a request for an ICE restart. */
export const CALL_SIGNAL_KINDS = ['offer', 'answer', 'ice', 'restart'] as const;
export type CallSignalKind = (typeof CALL_SIGNAL_KINDS)[number];

/** RTCSessionDescription / RTCIceCandidateInit, bounded. */
export const callSignalData = z
  .object({
    sdp: z.string().max(24_000).optional(),
    candidate: z
      .object({
        candidate: z.string().max(2000),
        sdpMid: z.string().max(64).nullish(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullish(),
        usernameFragment: z.string().max(256).nullish(),
      })
      .optional(),
  })
  .strict();
export type CallSignalData = z.infer<typeof callSignalData>;

/** Client → server on `/ws/notifications/`: relayed to the other party of the call, never stored. */
export const callSignalFrame = z.object({
  type: z.literal('call_signal'),
  call_id: z.string().uuid(),
  kind: z.enum(CALL_SIGNAL_KINDS),
  data: callSignalData.default({}),
});
export type CallSignalClientFrame = z.infer<typeof callSignalFrame>;

/** Server → callee: a call is ringing for you (on every socket of the callee, in every tab). */
export interface IncomingCallFrame {
  type: 'incoming_call';
  /** Absent when sent for a call that was already ringing as the socket opened. */
  seq?: number;
  call_id: string;
  caller_username: string;
  conversation_id: string | null;
}

/** Server → both parties: the call's new state (accepted in one tab closes the popup in the others). */
export interface CallStateFrame {
  type: 'call_state';
  seq: number;
  call_id: string;
  status: CallStatus;
  call: CallView;
}

/** Server → the other party: a signalling frame of the call, as its sender sent it. */
export interface CallSignalServerFrame {
  type: 'call_signal';
  call_id: string;
  kind: CallSignalKind;
  data: CallSignalData;
  /** The sending party's id (agent or contact). */
  from: string;
}

export type CallServerFrame = IncomingCallFrame | CallStateFrame | CallSignalServerFrame;
