import type { Attachment } from '@parley/database/entities/message.entity';
import { z } from 'zod';
import type { PlatformInbound } from '../inbound';

// Telegram ids fit in 52 bits; beyond safe integers they would print in exponent form.
const id = z.number().int().safe();
const file = z.object({
  file_id: z.string().min(1),
  file_size: z.number().int().nonnegative().optional(),
  mime_type: z.string().optional(),
});
const user = z.object({
  id,
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const message = z.object({
  message_id: id,
  from: user.optional(),
  chat: z.object({ id, type: z.string() }),
  text: z.string().optional(),
  caption: z.string().optional(),
  voice: file.extend({ duration: z.number() }).optional(),
  audio: file.extend({ duration: z.number(), file_name: z.string().optional() }).optional(),
  photo: z.array(file.extend({ width: z.number(), height: z.number() })).optional(),
  document: file.extend({ file_name: z.string().optional() }).optional(),
  video: file.extend({ duration: z.number() }).optional(),
  sticker: file.extend({ emoji: z.string().optional() }).optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z
    .object({
      phone_number: z.string(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      user_id: id.optional(),
    })
    .optional(),
  reply_to_message: z.object({ message_id: id }).optional(),
  reply_markup: z
    .object({
      inline_keyboard: z.array(z.array(z.object({ text: z.string(), callback_data: z.string().optional() }))),
    })
    .optional(),
});
/** A press of an inline keyboard's callback button (https://core.telegram.org/bots/api#callbackquery). */
const callbackQuery = z.object({
  id: z.string().min(1),
  from: user,
  message: message.optional(),
  data: z.string().optional(),
});
/**
 * The parts of Telegram's Update we read (https://core.telegram.org/bots/api#update), with the types
 * the Bot API gives them; other fields and update kinds pass unread.
 */
const telegramUpdate = z.object({
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: callbackQuery.optional(),
});
export type TelegramUser = z.infer<typeof user>;
export type TelegramMessage = z.infer<typeof message>;
export type TelegramUpdate = z.infer<typeof telegramUpdate> & { update_id: number };
type TelegramFile = z.infer<typeof file>;

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

/**
 * Turns one webhook update into what the domain stores; groups and channels are not conversations.
 * A field we read that does not have the Bot API's type throws (ingest answers 400), so nothing
 * malformed reaches the domain.
 */
export function normalizeTelegramUpdate(body: unknown): TelegramInbound {
  const update = telegramUpdate.parse(body);
  if (update.callback_query) return normalizePress(update.callback_query);
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

/**
 * A customer pressed one of our callback buttons: a customer message whose text is the button's
 * caption (read from the keyboard the update carries), stored once per callback query id.
 */
function normalizePress(press: z.infer<typeof callbackQuery>): TelegramInbound {
  const chat = press.message?.chat;
  if (press.data === undefined) return { kind: 'ignored', reason: 'a press without callback data (a game)' };
  // Without the message (an inline-mode message) there is no chat: nothing of a conversation.
  if (!chat) return { kind: 'ignored', reason: 'a press without a message in a chat' };
  if (chat.type !== 'private') return { kind: 'ignored', reason: `a press in a ${chat.type} chat` };
  if (press.from.is_bot) return { kind: 'ignored', reason: 'a press by a bot' };
  const caption =
    press.message?.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === press.data)?.text ??
    press.data;
  return {
    kind: 'message',
    platformUserId: String(press.from.id),
    profile: { name: fullName(press.from), username: press.from.username ?? null },
    externalId: `${chat.id}:press:${press.id}`,
    content: caption,
    attachments: [],
    media: [],
    sharedPhone: null,
    replyToExternalId: press.message ? telegramExternalId(chat.id, press.message.message_id) : null,
    button: { payload: press.data, caption },
    pressAck: press.id,
  };
}
