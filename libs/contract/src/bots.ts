/** Chatbots: an app (its API key) that takes the new conversations of chosen channels first. */
import type { ApiKeyScope } from './api-keys';
import type { ChannelType } from './channel-types';

/** A bot answers (messages:write) and hands off (conversations:write): a key without both cannot be one. */
export const BOT_SCOPES: readonly ApiKeyScope[] = ['conversations:write', 'messages:write'];

export interface BotView {
  /** The bot's API key id: the same id its messages' `sender` and conversations' `bot` carry. */
  id: string;
  /** The key's name, as agents see the bot. */
  name: string;
  channels: { id: string; name: string; type: ChannelType }[];
  /** Conversations it is handling now. */
  handling: number;
  created_at: string;
  updated_at: string;
}

/** `DELETE /bots/{id}`: its conversations went to people. */
export interface BotRemovedView {
  id: string;
  handed_off: number;
}
