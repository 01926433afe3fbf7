import type { AppConfig } from '@parley/config/config';
import type { AgentRole } from '@parley/database/entities/agent.entity';

/** Redis pub/sub channels; named explicitly because ioredis' keyPrefix does not apply to channels. */
export const eventsChannel = (config: AppConfig) => `${config.redisPrefix}events`;
export const ephemeralChannel = (config: AppConfig) => `${config.redisPrefix}ephemeral`;

/** What is fanned out between api instances but never stored: typing, presence, account changes. */
export type EphemeralEvent =
  | {
      kind: 'typing';
      workspace_id: string;
      conversation_id: string;
      user_id: string;
      username: string;
      is_typing: boolean;
      timestamp: string;
    }
  | {
      kind: 'presence';
      workspace_id: string;
      user_id: string;
      username: string;
      is_online: boolean;
      status: 'online' | 'away' | 'offline';
      last_seen: string | null;
      timestamp: string;
    }
  | { kind: 'agent_changed'; workspace_id: string; user_id: string; active: boolean; role: AgentRole };
