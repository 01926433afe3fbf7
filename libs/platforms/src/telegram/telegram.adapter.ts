import { Api, InputFile } from 'grammy';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { deadline } from '../media-fetch';
import { PlatformError } from '../platform-error';
import {
  ChannelAccess,
  ConnectInput,
  InviteLink,
  OutboundMessage,
  PlatformAdapter,
  PlatformChangeCapabilities,
  ReplyWindow,
  SentMessageRef,
} from '../platform';
import { mapTelegramError } from './telegram.errors';
import { TelegramWebhookReceiver } from './telegram.webhook';

/** Updates we ask Telegram for: customers' messages, their edits, and their presses of our inline buttons. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'] as const;

/** The Bot API's ReactionTypeEmoji: the only emoji a bot may react with (as of Bot API 7). */
export const TELEGRAM_REACTIONS = [
  '👍',
  '👎',
  '❤',
  '🔥',
  '🥰',
  '👏',
  '😁',
  '🤔',
  '🤯',
  '😱',
  '🤬',
  '😢',
  '🎉',
  '🤩',
  '🤮',
  '💩',
  '🙏',
  '👌',
  '🕊',
  '🤡',
  '🥱',
  '🥴',
  '😍',
  '🐳',
  '❤‍🔥',
  '🌚',
  '🌭',
  '💯',
  '🤣',
  '⚡',
  '🍌',
  '🏆',
  '💔',
  '🤨',
  '😐',
  '🍓',
  '🍾',
  '💋',
  '🖕',
  '😈',
  '😴',
  '😭',
  '🤓',
  '👻',
  '👨‍💻',
  '👀',
  '🎃',
  '🙈',
  '😇',
  '😨',
  '🤝',
  '✍',
  '🤗',
  '🫡',
  '🎅',
  '🎄',
  '☃',
  '💅',
  '🤪',
  '🗿',
  '🆒',
  '💘',
  '🙉',
  '🦄',
  '😘',
  '💊',
  '🙊',
  '😎',
  '👾',
  '🤷‍♂',
  '🤷',
  '🤷‍♀',
  '😡',
] as const;
type TelegramReaction = (typeof TELEGRAM_REACTIONS)[number];

/** Telegram's answers that mean the change is already there: doing it again is success. */
const ALREADY_DONE = /message is not modified|message to delete not found/i;

/** `<chat_id>:<message_id>`, as Parley stores a Telegram message's external id. */
function splitExternalId(externalId: string): { chatId: string; messageId: number } {
  const at = externalId.lastIndexOf(':');
  const messageId = Number(externalId.slice(at + 1));
  if (at <= 0 || !Number.isInteger(messageId))
    throw new PlatformError('rejected', `not a Telegram message id: ${externalId}`);
  return { chatId: externalId.slice(0, at), messageId };
}

/** Telegram through grammy's Api, against TELEGRAM_API_ROOT (the real one, or the simulator). */
export class TelegramAdapter implements PlatformAdapter {
  readonly type = 'telegram' as const;
  readonly maxTextLength = 4096;
  readonly linkButtons = true;
  /** Inline keyboard buttons with callback_data, which the Bot API takes up to 64 bytes long. */
  readonly payloadButtons = { maxPayloadBytes: 64 };
  /** Telegram shows nothing but OGG/Opus as a voice note. */
  readonly voice = { mimes: ['audio/ogg'], described: 'OGG/Opus' };
  // Telegram: about 1 message/s per chat and 30/s per bot.
  readonly limits = { perRecipient: { points: 1, seconds: 1 }, perAccount: { points: 30, seconds: 1 } };
  readonly webhook = new TelegramWebhookReceiver();
  // Bots may delete their messages in private chats only within 48 hours, and react only with Telegram's set.
  readonly changes: PlatformChangeCapabilities = {
    edit: true,
    delete: true,
    react: true,
    deleteWithinHours: 48,
    reactions: TELEGRAM_REACTIONS,
  };

  constructor(
    private readonly apiRoot: string,
    /** One bound for a whole download: getFile, the file's headers and its body. */
    private readonly mediaTimeoutMs: number,
  ) {}

  private api(token: string): Api {
    return new Api(token, { apiRoot: this.apiRoot, timeoutSeconds: 30 });
  }

  async connect(input: ConnectInput) {
    const token = input.bot_token ?? '';
    try {
      const me = await this.api(token).getMe();
      return { externalId: String(me.id), credentials: { bot_token: token, username: me.username } };
    } catch (error) {
      const mapped = mapTelegramError(error);
      // While connecting, a refused token is simply the wrong one.
      throw mapped.code === 'reauthorization_required'
        ? new PlatformError('invalid_credentials', mapped.reason)
        : mapped;
    }
  }

  async registerWebhook(channel: ChannelAccess, url: string): Promise<void> {
    try {
      await this.api(channel.credentials.bot_token).setWebhook(url, {
        secret_token: channel.webhookSecret,
        allowed_updates: [...ALLOWED_UPDATES],
      });
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  async removeWebhook(channel: ChannelAccess): Promise<void> {
    try {
      await this.api(channel.credentials.bot_token).deleteWebhook();
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  async send(channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }> {
    const api = this.api(channel.credentials.bot_token);
    const chatId = message.recipientId;
    const caption = message.text || undefined;
    // Buttons become an inline keyboard: URL buttons, and callback buttons whose press comes back as a callback_query.
    const markup = message.buttons?.length
      ? {
          reply_markup: {
            inline_keyboard: message.buttons.map((row) =>
              row.map((b) =>
                'payload' in b ? { text: b.caption, callback_data: b.payload } : { text: b.caption, url: b.url },
              ),
            ),
          },
        }
      : {};
    try {
      const a = message.attachment;
      const file = a ? new InputFile(createReadStream(a.path), a.fileName) : null;
      const sent =
        a?.kind === 'voice'
          ? await api.sendVoice(chatId, file!, { caption, duration: a.duration ?? undefined, ...markup })
          : a?.kind === 'image'
            ? await api.sendPhoto(chatId, file!, { caption, ...markup })
            : a?.kind === 'file'
              ? await api.sendDocument(chatId, file!, { caption, ...markup })
              : await api.sendMessage(chatId, message.text, markup);
      return { externalId: `${sent.chat.id}:${sent.message_id}` };
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  /** answerCallbackQuery: the customer's client stops showing the press as in progress. */
  async acknowledgePress(channel: ChannelAccess, token: string): Promise<void> {
    try {
      await this.api(channel.credentials.bot_token).answerCallbackQuery(token);
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  async sendTyping(channel: ChannelAccess, recipientId: string): Promise<void> {
    try {
      await this.api(channel.credentials.bot_token).sendChatAction(recipientId, 'typing');
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  /** editMessageText, or editMessageCaption for a message that carries a file. */
  async editText(channel: ChannelAccess, message: SentMessageRef, text: string): Promise<void> {
    const { chatId, messageId } = splitExternalId(message.externalId);
    const api = this.api(channel.credentials.bot_token);
    await this.alreadyDoneIsDone(() =>
      message.hasMedia
        ? api.editMessageCaption(chatId, messageId, { caption: text })
        : api.editMessageText(chatId, messageId, text),
    );
  }

  async deleteMessage(channel: ChannelAccess, message: SentMessageRef): Promise<void> {
    const { chatId, messageId } = splitExternalId(message.externalId);
    await this.alreadyDoneIsDone(() =>
      this.api(channel.credentials.bot_token).deleteMessage(chatId, messageId),
    );
  }

  /** setMessageReaction replaces the bot's reactions on the message: one emoji, or none. */
  async react(channel: ChannelAccess, _recipientId: string, externalId: string, emoji: string | null) {
    const { chatId, messageId } = splitExternalId(externalId);
    if (emoji !== null && !(TELEGRAM_REACTIONS as readonly string[]).includes(emoji))
      throw new PlatformError('rejected', `Telegram bots cannot react with ${emoji}`);
    const reaction = emoji === null ? [] : [{ type: 'emoji' as const, emoji: emoji as TelegramReaction }];
    try {
      await this.api(channel.credentials.bot_token).setMessageReaction(chatId, messageId, reaction);
    } catch (error) {
      throw mapTelegramError(error);
    }
  }

  private async alreadyDoneIsDone(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const mapped = mapTelegramError(error);
      if (mapped.code === 'rejected' && ALREADY_DONE.test(mapped.reason)) return;
      throw mapped;
    }
  }

  async download(channel: ChannelAccess, fileId: string, maxBytes: number) {
    const token = channel.credentials.bot_token;
    const bound = deadline(this.mediaTimeoutMs);
    try {
      let path: string | undefined;
      try {
        // grammy types its signal with the abort-controller shim; the runtime takes the standard one.
        const file = await this.api(token).getFile(fileId, bound.signal as Parameters<Api['getFile']>[1]);
        if (file.file_size && file.file_size > maxBytes)
          throw new PlatformError('rejected', `file is ${file.file_size} bytes`);
        path = file.file_path;
      } catch (error) {
        throw bound.signal.aborted ? bound.error() : mapTelegramError(error);
      }
      if (!path) throw new PlatformError('rejected', 'Telegram gave no file path');
      // The Bot API's own file URL on TELEGRAM_API_ROOT (the token in the path is Telegram's design).
      const response = await fetch(`${this.apiRoot}/file/bot${token}/${path}`, {
        signal: bound.signal,
      }).catch((error: Error) => {
        throw bound.signal.aborted
          ? bound.error()
          : new PlatformError('temporary', `network: ${error.message}`);
      });
      if (!response.ok || !response.body) {
        throw new PlatformError(
          response.status >= 500 ? 'temporary' : 'rejected',
          `file download answered ${response.status}`,
        );
      }
      return {
        stream: bound.guard(Readable.fromWeb(response.body as never)),
        declaredMime: response.headers.get('content-type') ?? undefined,
      };
    } catch (error) {
      bound.cancel();
      throw error;
    }
  }

  /** Telegram updates carry the sender's name and username. */
  async profile(): Promise<null> {
    return null;
  }

  replyWindow(): ReplyWindow {
    return { allowed: true, humanAgentTag: false };
  }

  /** A deep link: Telegram opens the bot and sends `/start <token>` when the customer presses Start. */
  inviteLink(channel: ChannelAccess, token: string): InviteLink | { refused: string } {
    const username = channel.credentials.username;
    if (!username) return { refused: "the bot's username is unknown; reconnect the channel" };
    return { url: `https://t.me/${encodeURIComponent(username)}?start=${token}`, binds: true };
  }

  inviteToken(content: string): string | null {
    return /^\/start(?:@\w+)? ([A-Za-z0-9_-]{16,64})$/.exec(content.trim())?.[1] ?? null;
  }
}
