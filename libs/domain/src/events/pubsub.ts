import type { AppConfig } from '@parley/config/config';

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
}

export type EphemeralEvent = TypingEvent;

/** Nudges the worker's inbound processor: webhook deliveries were just recorded. */
export const inboundUpdatesChannel = (config: AppConfig) => `${config.redisPrefix}inbound-updates`;
