import type { ConversationView } from '../presenters/conversation.presenter';
import type { MessageView } from '../presenters/message.presenter';

/** Every change agents may hear of; written as an `event` row in the transaction of the change. */
export type DomainEvent =
  | { type: 'message.created'; conversationId: string; payload: { message: MessageView } }
  | { type: 'conversation.created'; conversationId: string; payload: { conversation: ConversationView } }
  | {
      type: 'conversation.updated';
      conversationId: string;
      payload: { conversation: ConversationView; changes: string[]; actor_id: string | null };
    }
  | {
      type: 'conversation.read';
      conversationId: string;
      payload: { agent_id: string; message_id: string | null; seq: number };
    };

export type DomainEventType = DomainEvent['type'];
