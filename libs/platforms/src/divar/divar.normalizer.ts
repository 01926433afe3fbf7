import type { Attachment } from '@parley/database/entities/message.entity';
import { z } from 'zod';
import type { PlatformInbound } from '../inbound';
import type { WebhookEvent } from '../webhook';

/**
 * Divar's event envelope and chat message (kenar-docs `docs/events/ReadMe.md`, `docs/events/chat.md`;
 * facts in `../shared/platforms/divar.md` §4). The format is marked experimental, so only what we
 * read is checked and both spellings seen in the docs are accepted (`metadata`/`meta_data`, sender
 * type `HUMAN`/`USER`).
 */
const link = z.object({ link: z.string().min(1), size_bytes: z.coerce.number().nonnegative().optional() });
const chatMessage = z.object({
  id: z.string().min(1).max(200),
  conversation: z.object({
    id: z.string().min(1).max(200),
    type: z.string().optional(),
    post_token: z.string().min(1).max(64).optional(),
  }),
  sender: z.object({ side: z.string().optional(), type: z.string().optional() }).optional(),
  type: z.string(),
  text: z.string().optional(),
  image_data: link.extend({ height_px: z.number().optional(), width_px: z.number().optional() }).optional(),
  file_data: link.extend({ name: z.string().optional() }).optional(),
  voice_data: link.optional(),
  video_data: link.optional(),
  location_data: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  contact_data: z.object({ name: z.string().optional(), phone: z.string() }).optional(),
});
const envelope = z.object({
  type: z.string(),
  new_message: chatMessage.optional(),
  new_chatbot_message: chatMessage.optional(),
  user_access_revocation: z.object({ user_id: z.string().optional() }).optional(),
});
export type DivarChatMessage = z.infer<typeof chatMessage>;
export type DivarEvent = z.infer<typeof envelope>;

/** A Divar customer is one Divar conversation: `post:<id>` (chat on an ad) or `bot:<id>` (the app's chatbot). */
export const divarUserId = (kind: 'post' | 'bot', conversationId: string) => `${kind}:${conversationId}`;

const media = (
  kind: Attachment['kind'],
  data: { link: string; size_bytes?: number },
  extra: Partial<Attachment> = {},
) =>
  ({
    kind,
    mime: null,
    size: data.size_bytes ?? null,
    duration: null,
    storage_key: null,
    source: data.link,
    ...extra,
  }) satisfies Attachment;

const still = (kind: Attachment['kind'], extra: Partial<Attachment>): Attachment => ({
  kind,
  mime: null,
  size: null,
  duration: null,
  storage_key: null,
  source: null,
  ...extra,
});

/** One chat message as the domain stores it; `bot` says which of Divar's two chats it came from. */
function normalizeChatMessage(message: DivarChatMessage, bot: boolean): PlatformInbound {
  const side = message.sender?.side?.toUpperCase();
  const senderType = message.sender?.type?.toUpperCase();
  // The business's own messages (sent from Divar's app or by us) come back as SELLER; in the chatbot,
  // our bot's come back as BOT. Divar names no sender id, so these are never a customer's; and Divar
  // answers our sends with no message id, so one of ours could not be told from one typed in Divar's
  // app: shown as sent from the app, our every reply would appear twice. They are not stored.
  if (side === 'SELLER' || (!side && senderType === 'BOT'))
    return { kind: 'ignored', reason: `the business's own Divar message ${message.id} (not stored)` };

  const attachments: Attachment[] = [];
  let content = message.text ?? '';
  switch (message.type.toUpperCase()) {
    case 'TEXT':
      break;
    case 'IMAGE':
      if (message.image_data)
        attachments.push(
          media('image', message.image_data, {
            width: message.image_data.width_px ?? null,
            height: message.image_data.height_px ?? null,
          }),
        );
      break;
    case 'FILE':
      if (message.file_data)
        attachments.push(media('file', message.file_data, { file_name: message.file_data.name ?? null }));
      break;
    case 'VOICE':
      if (message.voice_data) attachments.push(media('voice', message.voice_data));
      break;
    case 'VIDEO':
      if (message.video_data) attachments.push(media('video', message.video_data));
      break;
    case 'LOCATION':
      if (message.location_data)
        attachments.push(
          still('location', {
            latitude: message.location_data.latitude,
            longitude: message.location_data.longitude,
          }),
        );
      break;
    case 'CONTACT':
      if (message.contact_data)
        attachments.push(
          still('contact', {
            phone: message.contact_data.phone,
            file_name: message.contact_data.name ?? null,
          }),
        );
      break;
    default:
      return { kind: 'ignored', reason: `a ${message.type} message` };
  }
  content = content.trim() ? content : '';
  if (!content && !attachments.length)
    return { kind: 'ignored', reason: 'a message with nothing we can show' };
  const postToken = message.conversation.post_token;
  return {
    kind: 'message',
    platformUserId: divarUserId(bot ? 'bot' : 'post', message.conversation.id),
    // Divar's events say nothing about who wrote: the contact is named by its conversation.
    profile: null,
    externalId: message.id,
    content,
    attachments,
    media: attachments.flatMap((a, index) =>
      a.source ? [{ attachmentIndex: index, source: a.source }] : [],
    ),
    // A shared contact may be anyone's card: never taken as the customer's own phone.
    sharedPhone: null,
    replyToExternalId: null,
    conversationAd: !bot && postToken ? { post_token: postToken } : null,
  };
}

/**
 * One delivery of Divar's events URL: a chat message on an ad (`NEW_MESSAGE`, from the
 * `NEW_MESSAGE_ON_POST` subscription), a message to the app's chatbot (`NEW_CHATBOT_MESSAGE`), or
 * the owner taking back the grant (`USER_ACCESS_REVOCATION`). Other kinds are acknowledged and
 * ignored. A field we read that is not Divar's shape throws (ingest answers 400).
 */
export function normalizeDivarEvent(body: unknown): WebhookEvent[] {
  const event = envelope.parse(body);
  switch (event.type) {
    case 'NEW_MESSAGE':
      if (!event.new_message) throw new Error('NEW_MESSAGE without new_message');
      return [{ event: normalizeChatMessage(event.new_message, false) }];
    case 'NEW_CHATBOT_MESSAGE':
      if (!event.new_chatbot_message) throw new Error('NEW_CHATBOT_MESSAGE without new_chatbot_message');
      return [{ event: normalizeChatMessage(event.new_chatbot_message, true) }];
    case 'USER_ACCESS_REVOCATION':
      // A channel is one Kenar app granted by one owner: whoever revoked, replies are held until an
      // admin authorizes again (sending on a grant that may be gone is the worse mistake).
      return [{ event: { kind: 'access_revoked', reason: 'the Divar account owner revoked access' } }];
    default:
      return [{ event: { kind: 'ignored', reason: `a ${event.type} event` } }];
  }
}
