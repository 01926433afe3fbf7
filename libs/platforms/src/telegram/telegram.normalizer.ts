import type { Attachment } from '@parley/database/entities/message.entity';
import type { PlatformInbound } from '../inbound';

/** The parts of Telegram's Update we read (https://core.telegram.org/bots/api#update). */
export interface TelegramUser {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}
interface TelegramFile {
  file_id: string;
  file_unique_id?: string;
  file_size?: number;
  mime_type?: string;
}
export interface TelegramMessage {
  message_id: number;
  from?: TelegramUser;
  chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string };
  date: number;
  text?: string;
  caption?: string;
  voice?: TelegramFile & { duration: number };
  audio?: TelegramFile & { duration: number; title?: string; file_name?: string };
  photo?: (TelegramFile & { width: number; height: number })[];
  document?: TelegramFile & { file_name?: string };
  video?: TelegramFile & { duration: number; width: number; height: number };
  sticker?: TelegramFile & { emoji?: string; width: number; height: number };
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name?: string; last_name?: string; user_id?: number };
  reply_to_message?: { message_id: number };
}
export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
}

export type TelegramInbound = Extract<PlatformInbound, { kind: 'message' | 'edit' | 'ignored' }>;

/** Telegram's message_id is unique per chat only, so ours is `<chat_id>:<message_id>`. */
export const telegramExternalId = (chatId: number | string, messageId: number | string) =>
  `${chatId}:${messageId}`;

const attachment = (
  kind: Attachment['kind'],
  file: TelegramFile | null,
  extra: Partial<Attachment> = {},
): Attachment => ({
  kind,
  mime: file?.mime_type ?? null,
  size: file?.file_size ?? null,
  duration: null,
  storage_key: null,
  source: file?.file_id ?? null,
  ...extra,
});

const fullName = (user?: { first_name?: string; last_name?: string }) =>
  [user?.first_name, user?.last_name].filter(Boolean).join(' ').trim() || null;

/** Turns one webhook update into what the domain stores; groups and channels are not conversations. */
export function normalizeTelegramUpdate(update: TelegramUpdate): TelegramInbound {
  const edited = update.edited_message;
  if (edited) {
    if (edited.chat.type !== 'private')
      return { kind: 'ignored', reason: `edit in a ${edited.chat.type} chat` };
    // Telegram re-sends a live location as an edit each time it moves; no text changed.
    if (edited.location) return { kind: 'ignored', reason: 'a live location moved' };
    return {
      kind: 'edit',
      externalId: telegramExternalId(edited.chat.id, edited.message_id),
      content: edited.text ?? edited.caption ?? '',
    };
  }
  const message = update.message;
  if (!message) return { kind: 'ignored', reason: 'update without a message' };
  if (message.chat.type !== 'private')
    return { kind: 'ignored', reason: `message in a ${message.chat.type} chat` };
  if (!message.from || message.from.is_bot) return { kind: 'ignored', reason: 'message from a bot' };

  const attachments: Attachment[] = [];
  let sharedPhone: string | null = null;
  if (message.voice)
    attachments.push(
      attachment('voice', message.voice, {
        duration: message.voice.duration,
        mime: message.voice.mime_type ?? 'audio/ogg',
      }),
    );
  if (message.audio) {
    attachments.push(
      attachment('audio', message.audio, {
        duration: message.audio.duration,
        file_name: message.audio.file_name ?? null,
      }),
    );
  }
  if (message.photo?.length) {
    // Telegram sends every size; the largest is last.
    const largest = message.photo[message.photo.length - 1];
    attachments.push(
      attachment('image', largest, { mime: 'image/jpeg', width: largest.width, height: largest.height }),
    );
  }
  if (message.video)
    attachments.push(attachment('video', message.video, { duration: message.video.duration }));
  if (message.document)
    attachments.push(attachment('file', message.document, { file_name: message.document.file_name ?? null }));
  if (message.sticker) {
    attachments.push(
      attachment('sticker', message.sticker, { mime: message.sticker.mime_type ?? 'image/webp' }),
    );
  }
  if (message.location) {
    attachments.push(
      attachment('location', null, {
        latitude: message.location.latitude,
        longitude: message.location.longitude,
      }),
    );
  }
  if (message.contact) {
    sharedPhone = message.contact.phone_number;
    attachments.push(
      attachment('contact', null, {
        phone: message.contact.phone_number,
        file_name: fullName(message.contact),
      }),
    );
  }
  const content = message.text ?? message.caption ?? (message.sticker?.emoji ? message.sticker.emoji : '');
  if (!content && !attachments.length) return { kind: 'ignored', reason: 'message with nothing we can show' };

  return {
    kind: 'message',
    platformUserId: String(message.from.id),
    profile: { name: fullName(message.from), username: message.from.username ?? null },
    externalId: telegramExternalId(message.chat.id, message.message_id),
    content,
    attachments,
    media: attachments.flatMap((a, index) =>
      a.source && ['voice', 'audio', 'image', 'video', 'file', 'sticker'].includes(a.kind)
        ? [{ attachmentIndex: index, source: a.source }]
        : [],
    ),
    // Only a contact whose user_id is the sender's own is their phone; one without a user_id is someone
    // from their address book who is not on Telegram.
    sharedPhone: message.contact?.user_id === message.from.id ? sharedPhone : null,
    replyToExternalId: message.reply_to_message
      ? telegramExternalId(message.chat.id, message.reply_to_message.message_id)
      : null,
  };
}
