import type { SlaTimer } from '@parley/contract/business-hours';
import type { CallView } from '@parley/contract/calls';
import type { LabelView } from '@parley/contract/labels';
import type { ChannelStatus } from '@parley/contract/channel-types';
import type { MessageStatusChange, PlatformChange, ReactionChange } from '@parley/contract/server-frames';
import type { SessionCloseCode } from '@parley/contract/sockets';
import type {
  ContactView,
  ConversationChange,
  ConversationView,
  MessageView,
  PresenceView,
} from '@parley/contract/views';

/** Every change agents may hear of; written as an `event` row in the transaction of the change. */
export type DomainEvent =
  | {
      type: 'message.created';
      conversationId: string;
      /**
       * client_id echoes the sender's optimistic id; mentions are agents @-named in a note; `bot`
       * (on a customer's message) is the bot handling the conversation, null when people have it.
       */
      payload: {
        message: MessageView;
        client_id?: string | null;
        mentions?: string[];
        bot?: { id: string } | null;
      };
    }
  | { type: 'message.updated'; conversationId: string; payload: { message: MessageView } }
  | {
      type: 'message.deleted';
      conversationId: string;
      /** Who and when, never what: the text is wiped everywhere in the same transaction. */
      payload: { message_id: string; deleted_at?: string; deleted_by?: MessageView['deleted_by'] };
    }
  | { type: 'message.reaction'; conversationId: string; payload: ReactionChange }
  | { type: 'message.status'; conversationId: string; payload: MessageStatusChange }
  /** An agent's edit, delete or reaction: queued for the platform, applied, failed or unsupported there. */
  | { type: 'message.platform_change'; conversationId: string; payload: PlatformChange }
  | { type: 'conversation.created'; conversationId: string; payload: { conversation: ConversationView } }
  | {
      type: 'conversation.updated';
      conversationId: string;
      payload: {
        conversation: ConversationView;
        changes: ConversationChange[];
        actor_id: string | null;
        /** On an SLA change the scanner made: the warnings and breaches it just marked. */
        sla_alerts?: { timer: SlaTimer; level: 'warning' | 'breach' }[];
      };
    }
  /** A contact Parley met for the first time (a customer's first message), or one whose details changed. */
  | { type: 'contact.created'; conversationId: null; payload: { contact: ContactView } }
  | { type: 'contact.updated'; conversationId: null; payload: { contact: ContactView } }
  | {
      type: 'channel.updated';
      conversationId: null;
      payload: { channel_id: string; status: ChannelStatus; reason: string | null };
    }
  /** An agent came online, went offline, or chose away: every agent of the workspace hears it. */
  | { type: 'agent.presence'; conversationId: null; payload: PresenceView }
  /**
   * An agent's sign-in (`session_id`), or all its sign-ins (null), ended: its open sockets close
   * (4001 after a logout, password or role change; 4003 when deactivated). Heard, never shown.
   */
  | {
      type: 'agent.session_ended';
      conversationId: null;
      payload: { user_id: string; session_id: string | null; code: SessionCloseCode; reason: string };
    }
  /** A webhook subscription that kept failing was paused: its workspace's admins are told. */
  | {
      type: 'webhook.paused';
      conversationId: null;
      payload: { webhook_id: string; url: string; reason: string };
    }
  | {
      type: 'conversation.read';
      conversationId: string;
      payload: { agent_id: string; message_id: string | null; seq: number };
    }
  /**
   * A call started ringing or changed state: both parties' notifications sockets hear it (the
   * callee's as `incoming_call` while ringing). Workspace-wide (no conversation), so no chat socket
   * replays it; a call about a conversation leaves a `system` line in it when it ends.
   */
  | { type: 'call.updated'; conversationId: null; payload: { call: CallView } }
  /**
   * An admin renamed or recoloured a label, or deleted it (which took it off every conversation
   * and contact in the same transaction): every open inbox and conversation of the workspace
   * updates its chips and label filter.
   */
  | { type: 'label.updated'; conversationId: null; payload: { label: LabelView } }
  | { type: 'label.deleted'; conversationId: null; payload: { label_id: string } };

export type DomainEventType = DomainEvent['type'];

/** An event row as it is published on the bus and replayed from Postgres: one shape for both. */
export interface PublishedEvent<E extends DomainEvent = DomainEvent> {
  workspace_id: string;
  /** Null only for workspace-wide events (a channel's status). */
  conversation_id: string | null;
  seq: number;
  type: E['type'];
  payload: E['payload'];
  created_at: string;
}
