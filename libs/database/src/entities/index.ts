import { Agent } from './agent.entity';
import { Call } from './call.entity';
import { Channel } from './channel.entity';
import { ContactIdentity } from './contact-identity.entity';
import { Contact } from './contact.entity';
import { ConversationRead } from './conversation-read.entity';
import { Conversation } from './conversation.entity';
import { EventRow } from './event.entity';
import { MessageReaction } from './message-reaction.entity';
import { Message } from './message.entity';
import { RefreshToken } from './refresh-token.entity';
import { SecurityEvent } from './security-event.entity';
import { Workspace } from './workspace.entity';

/** Every entity, for the DataSource (the one list TypeORM needs; import entities from their own files). */
export const ENTITIES = [
  Workspace,
  Agent,
  Channel,
  Contact,
  ContactIdentity,
  Conversation,
  Message,
  MessageReaction,
  ConversationRead,
  EventRow,
  SecurityEvent,
  RefreshToken,
  Call,
];
