import type { AppConfig } from '@parley/config/config';
import type { CallSignalData, CallSignalKind } from '@parley/contract/calls';

/** Redis pub/sub channels; named explicitly because ioredis' keyPrefix does not apply to channels. */
export const eventsChannel = (config: AppConfig) => `${config.redisPrefix}events`;
export const ephemeralChannel = (config: AppConfig) => `${config.redisPrefix}ephemeral`;

/** What is fanned out between api instances but never stored: an agent typing. */
export interface TypingEvent {
  kind: 'typing';
  workspace_id: string;
  conversation_id: string;
  user_id: string;
  username: string;
  is_typing: boolean;
  timestamp: string;
  /** Set when a web widget's visitor types (user_id is then its contact): agents hear it, visitors do not. */
  visitor?: true;
}

/** An agent blocked a web widget visitor: its sockets close on every instance. */
export interface VisitorBlockedEvent {
  kind: 'visitor_blocked';
  workspace_id: string;
  channel_id: string;
  platform_user_ids: string[];
}

/** A WebRTC signalling frame of a call, for the other party's sockets on whichever instance holds them. */
export interface CallSignalEvent {
  kind: 'call_signal';
  workspace_id: string;
  call_id: string;
  /** The receiving party: an agent (its notifications sockets) or a contact (its call-link socket). */
  to: { kind: 'agent' | 'contact'; id: string };
  from: string;
  signal: CallSignalKind;
  data: CallSignalData;
}

export type EphemeralEvent = TypingEvent | VisitorBlockedEvent | CallSignalEvent;

/** Nudges the worker's inbound processor: webhook deliveries were just recorded. */
export const inboundUpdatesChannel = (config: AppConfig) => `${config.redisPrefix}inbound-updates`;
