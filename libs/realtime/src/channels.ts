import type { AppConfig } from '@parley/config/config';
import type { SessionCloseCode } from '@parley/contract/sockets';
import type { PresenceView } from '@parley/contract/views';

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
  | ({ kind: 'presence'; workspace_id: string; timestamp: string } & PresenceView)
  /**
   * Sockets of an agent's sign-in (`session_id`), or of all its sign-ins (null), must close now:
   * 4001 for a logout, password or role change (the client may sign in again), 4003 deactivated.
   */
  | {
      kind: 'session_ended';
      workspace_id: string;
      user_id: string;
      session_id: string | null;
      code: SessionCloseCode;
      reason: string;
    };
