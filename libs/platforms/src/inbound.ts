import type { PressedButton, StoryRef } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import type { MediaSource } from './platform';

/** What any platform's webhook means, once normalized; the domain acts on `kind`, never on the platform. */
export type PlatformInbound =
  | {
      kind: 'message';
      platformUserId: string;
      /** What the update itself says about the sender (Instagram says nothing: the adapter is asked). */
      profile: { name: string | null; username: string | null } | null;
      externalId: string;
      content: string;
      attachments: Attachment[];
      media: MediaSource[];
      /** A phone the customer shared about themselves, as sent. */
      sharedPhone: string | null;
      replyToExternalId: string | null;
      /** The story the message replies to or mentions us in; its preview, if any, is one of `attachments`. */
      story?: StoryRef | null;
      /** The listing the conversation is about (a Divar ad), stored on the conversation; absent elsewhere. */
      conversationAd?: { post_token: string } | null;
      /** A press of one of our payload buttons: its payload and caption (the caption is also `content`). */
      button?: PressedButton | null;
      /** What the adapter's acknowledgePress needs to tell the platform the press was received. */
      pressAck?: string | null;
    }
  | { kind: 'edit'; externalId: string; content: string }
  | { kind: 'unsend'; externalId: string }
  | { kind: 'reaction'; platformUserId: string; externalId: string; emoji: string; action: 'add' | 'remove' }
  /** The customer has seen our messages up to this one. */
  | { kind: 'read'; platformUserId: string; externalId: string }
  /**
   * A message the business account sent, echoed back: either one of Parley's own sends (recognised
   * by `externalId` and never stored twice), or one the business wrote in the platform's own app,
   * shown as sent from there. `platformUserId` is the customer it went to.
   */
  | {
      kind: 'echo';
      externalId: string;
      platformUserId: string;
      content: string;
      attachments: Attachment[];
      media: MediaSource[];
      /** The business account's own id on the platform, when the echo names it. */
      senderPlatformId?: string | null;
    }
  /** The account's owner took back the grant (Divar's USER_ACCESS_REVOCATION): hold replies, tell the admins. */
  | { kind: 'access_revoked'; reason: string }
  | { kind: 'ignored'; reason: string };
