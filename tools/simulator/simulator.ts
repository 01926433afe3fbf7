import express, { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { createHmac, randomBytes } from 'node:crypto';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DivarSimulator } from './divar';
import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from './samples';

/**
 * A small stand-in for Telegram's Bot API and Meta's Graph API, speaking their wire formats.
 * Used by the tests and by the local demo when no real platform is configured. It records every
 * call, can be told to answer 429/5xx/403 or to be slow, and plays the customer: it posts
 * updates to Parley's webhooks with a valid or an invalid signature.
 */

export interface RecordedCall {
  platform: 'telegram' | 'instagram';
  method: string;
  /** The bot id (Telegram) or account id (Instagram) the call was for. */
  account: string;
  body: Record<string, unknown>;
  files: { field: string; name: string; mime: string; size: number; bytes: Buffer }[];
  at: number;
  /** What the simulator answered. */
  status: number;
}

export interface Fault {
  platform: 'telegram' | 'instagram';
  /** Telegram method (sendMessage) or 'messages' for Instagram sends; '*' for any. */
  method: string;
  /** How many calls it applies to. */
  times: number;
  status?: number;
  /** Telegram description, or Graph error message. */
  description?: string;
  retryAfter?: number;
  graphCode?: number;
  graphSubcode?: number;
  /** Answer after this long (the call still succeeds unless a status is set). */
  delayMs?: number;
}

interface Bot {
  id: number;
  token: string;
  username: string;
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | null;
  nextMessageId: Map<string, number>;
}

/** A message in a Telegram chat, as the simulator keeps it to answer edits, deletes and reactions. */
export interface TelegramChatMessage {
  /** Unix ms when it was sent. */
  date: number;
  from: 'bot' | 'customer';
  text?: string;
  caption?: string;
  media: boolean;
  deleted: boolean;
  /** The bot's reactions on it (setMessageReaction replaces them). */
  reactions: { type: string; emoji?: string }[];
  /** The inline keyboard the bot sent with it, if any. */
  replyMarkup?: { inline_keyboard: { text: string; url?: string; callback_data?: string }[][] };
}

/** The Bot API's ReactionTypeEmoji: the only emoji bots may react with. */
const TELEGRAM_REACTION_EMOJI = new Set(
  '👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡'.split(
    ' ',
  ),
);

/** Telegram lets a bot delete a message in a private chat only within 48 hours. */
const TELEGRAM_DELETE_WINDOW_MS = 48 * 3600 * 1000;

interface StoredFile {
  bytes: Buffer;
  mime: string;
  path: string;
  /** Send the headers and half the bytes, then nothing more (a host that never finishes). */
  stall?: boolean;
  /** Answer with a redirect to this URL instead. */
  redirectTo?: string;
}

/** A request for a file, as the simulator's API or CDN received it. */
export interface MediaRequest {
  host: 'api' | 'cdn';
  path: string;
  /** The Authorization header it carried, if any. */
  authorization?: string;
  at: number;
  /** The client went away (or the answer ended). */
  closed: boolean;
}

export interface SimulatorOptions {
  port?: number;
  /** Port of the "CDN" that serves Instagram attachments (another origin than the Graph API). */
  cdnPort?: number;
  host?: string;
  /** Where the Instagram webhook is (Meta sets it per app): PUBLIC_URL/webhooks/instagram. */
  instagramWebhookUrl?: string;
  instagramAppSecret?: string;
}

const TOKEN = /^(\d{3,15}):[A-Za-z0-9_-]{30,64}$/;

const filesOf = (req: Request): RecordedCall['files'] =>
  ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
    field: f.fieldname,
    name: f.originalname,
    mime: f.mimetype,
    size: f.size,
    bytes: f.buffer,
  }));

/** An Instagram send the simulator is about to answer, with the message id it will answer. */
export interface InstagramSendSeen {
  account: string;
  recipient: string;
  mid: string;
  body: Record<string, unknown>;
}

export class PlatformSimulator {
  /**
   * Runs before an Instagram send is answered (the answer waits for it): a test posts the send's
   * echo here to stage Meta's echo arriving before the send's own answer.
   */
  beforeInstagramAnswer?: (send: InstagramSendSeen) => Promise<void>;
  readonly calls: RecordedCall[] = [];
  readonly mediaRequests: MediaRequest[] = [];
  /** Divar's open platform (Kenar): its API at `<url>/divar`, its upload host at `<url>/divar-upload`. */
  readonly divar = new DivarSimulator();
  private readonly faults: Fault[] = [];
  private readonly bots = new Map<string, Bot>(); // by bot id
  private readonly revokedTokens = new Set<string>();
  private readonly files = new Map<string, StoredFile>(); // Telegram file_id or Instagram media id
  private readonly igTokens = new Map<string, string>(); // ig account id → valid access token
  private readonly igUsers = new Map<string, { name: string; username: string }>();
  /** Telegram chats' messages by `<bot id>:<chat id>:<message id>`. */
  private readonly telegramMessages = new Map<string, TelegramChatMessage>();
  /** Instagram messages customers sent (by mid) and the business's reaction on each. */
  private readonly igMessages = new Map<string, { reaction: string | null }>();
  /** Callback queries (presses) sent to Parley, by id: whether answerCallbackQuery came for each. */
  readonly callbackQueries = new Map<string, { answered: boolean; botId: string }>();
  private server?: Server;
  private cdn?: Server;
  private updateId = 1;
  private igMessageCounter = 1;
  url = '';
  /** Origin of the CDN Instagram attachment URLs point at. */
  cdnUrl = '';

  constructor(private readonly options: SimulatorOptions = {}) {}

  async start(): Promise<this> {
    const app = express();
    app.use(express.json({ limit: '5mb' }));
    app.use(express.urlencoded({ extended: true }));
    const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 60 * 1024 * 1024 } });

    app.use('/divar', this.divar.router());
    app.use('/divar-upload', this.divar.uploadRouter());
    // Telegram: https://api.telegram.org/bot<token>/<method>, JSON, form or multipart.
    app.all('/bot:token/:method', upload.any(), (req, res, next) => void this.telegram(req, res).catch(next));
    app.get('/file/bot:token/*path', (req, res) => this.telegramFile(req, res));
    // Not where attachment URLs point (that is the CDN): served here too, so a test sees a request that should not come.
    app.get('/ig-media/:id', (req, res) => this.instagramMedia(req, res, 'api'));
    // Instagram Graph API.
    app.post(
      '/:account/messages',
      upload.any(),
      (req, res, next) => void this.instagramSend(req, res).catch(next),
    );
    app.get('/:id', (req, res) => this.instagramProfile(req, res));
    // The demo's customer side: talk to the inbox as a customer with curl or the page at /.
    app.post('/_sim/telegram/:botId/messages', (req, res, next) => {
      this.telegramCustomerWrites(
        req.params.botId,
        req.body as { user_id?: number; name?: string; text?: string },
      )
        .then((status) => res.json({ delivered: status }))
        .catch(next);
    });
    app.post('/_sim/telegram/:botId/press', (req, res, next) => {
      const body = req.body as { user_id?: number; message_id?: string; caption?: string };
      this.pressTelegramButton(
        req.params.botId,
        { id: body.user_id ?? 424242, first_name: 'Demo Customer' },
        `${body.user_id ?? 424242}:${body.message_id}`,
        String(body.caption ?? ''),
      )
        .then(({ status }) => res.json({ delivered: status }))
        .catch(next);
    });
    app.get('/_sim/calls', (_req, res) => res.json(this.calls.map(({ files: _f, ...call }) => call)));
    app.get('/', (_req, res) => res.type('html').send(this.page()));
    app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ ok: false, error_code: 500, description: error.message });
    });

    // Meta's CDN stand-in: Instagram attachment URLs point here, another origin than the Graph API.
    const cdn = express();
    cdn.get('/ig-media/:id', (req, res) => this.instagramMedia(req, res, 'cdn'));
    cdn.get('/divar-media/:id', (req, res) => this.divar.serveMedia(req, res));

    const listen = async (handler: express.Express, port: number) => {
      const server = handler.listen(port, this.options.host ?? '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      return server;
    };
    this.server = await listen(app, this.options.port ?? 0);
    this.cdn = await listen(cdn, this.options.cdnPort ?? 0);
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.cdnUrl = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    this.divar.cdnUrl = this.cdnUrl;
    return this;
  }

  async stop(): Promise<void> {
    for (const server of [this.server, this.cdn]) {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    }
  }

  // ---- control ----------------------------------------------------------------------------

  /** The next `times` matching calls answer with this fault. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** A bot token the simulator accepts, for a new bot. */
  newBotToken(): string {
    return `${100000000 + Math.floor(Math.random() * 899999999)}:${randomBytes(26).toString('base64url')}`;
  }

  revokeToken(token: string): void {
    this.revokedTokens.add(token);
  }

  /** An Instagram professional account the simulator knows, with its valid token. */
  newInstagramAccount(): { igUserId: string; accessToken: string } {
    const igUserId = `1784${Math.floor(Math.random() * 1e13)}`;
    const accessToken = `IGQV${randomBytes(24).toString('base64url')}`;
    this.igTokens.set(igUserId, accessToken);
    return { igUserId, accessToken };
  }

  addInstagramAccount(igUserId: string, accessToken: string): void {
    this.igTokens.set(igUserId, accessToken);
  }

  expireInstagramToken(igUserId: string): void {
    this.igTokens.set(igUserId, `expired-${randomBytes(8).toString('hex')}`);
  }

  /** A Telegram chat message by its Parley external id `<chat id>:<message id>`, as the bot's chat shows it now. */
  telegramChatMessage(botId: number | string, externalId: string): TelegramChatMessage | undefined {
    const [chatId, messageId] = externalId.split(':');
    return this.telegramMessages.get(`${botId}:${chatId}:${messageId}`);
  }

  bot(botId: number | string): Bot | undefined {
    return this.bots.get(String(botId));
  }

  sent(platform: 'telegram' | 'instagram', account?: string): RecordedCall[] {
    return this.calls.filter(
      (c) =>
        c.platform === platform &&
        c.status === 200 &&
        (platform === 'telegram'
          ? /^send(Message|Voice|Photo|Document)$/.test(c.method)
          : c.method === 'messages') &&
        (!account || c.account === account),
    );
  }

  // ---- the customer: Telegram ---------------------------------------------------------------

  /** Posts an update to the bot's webhook as Telegram would; `secret` overrides the registered one. */
  async postTelegramUpdate(
    botId: number | string,
    update: Record<string, unknown>,
    secret?: string,
  ): Promise<number> {
    const bot = this.bots.get(String(botId));
    if (!bot?.webhook) throw new Error(`bot ${botId} has no webhook`);
    const response = await fetch(bot.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...((secret ?? bot.webhook.secret_token)
          ? { 'x-telegram-bot-api-secret-token': secret ?? bot.webhook.secret_token! }
          : {}),
      },
      body: JSON.stringify({ update_id: this.updateId++, ...update }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A Telegram private-chat message from a customer; `extra` adds voice/photo/contact/... fields. */
  telegramMessage(
    botId: number | string,
    from: { id: number; first_name?: string; last_name?: string; username?: string },
    extra: Record<string, unknown>,
  ) {
    const bot = this.bots.get(String(botId));
    const chatKey = String(from.id);
    const messageId = (bot?.nextMessageId.get(chatKey) ?? 1000) + 1;
    bot?.nextMessageId.set(chatKey, messageId);
    this.telegramMessages.set(`${botId}:${chatKey}:${messageId}`, {
      date: Date.now(),
      from: 'customer',
      text: typeof extra.text === 'string' ? extra.text : undefined,
      media: !extra.text,
      deleted: false,
      reactions: [],
    });
    return {
      message: {
        message_id: messageId,
        from: { is_bot: false, first_name: 'Customer', ...from },
        chat: { id: from.id, type: 'private', first_name: from.first_name ?? 'Customer' },
        date: Math.floor(Date.now() / 1000),
        ...extra,
      },
    };
  }

  /**
   * The customer presses the inline button captioned `caption` under the bot's message
   * `messageExternalId` (`<chat id>:<message id>`, as Parley stores it): a `callback_query` update
   * as Telegram sends it, with the message and its keyboard. Answers the query id and Parley's status.
   */
  async pressTelegramButton(
    botId: number | string,
    from: { id: number; first_name?: string; username?: string },
    messageExternalId: string,
    caption: string,
  ): Promise<{ status: number; queryId: string }> {
    const message = this.telegramChatMessage(botId, messageExternalId);
    const button = message?.replyMarkup?.inline_keyboard.flat().find((b) => b.text === caption);
    if (!message || !button?.callback_data)
      throw new Error(`no callback button "${caption}" under ${messageExternalId}`);
    const [chatId, messageId] = messageExternalId.split(':');
    const queryId = String(BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)));
    this.callbackQueries.set(queryId, { answered: false, botId: String(botId) });
    const status = await this.postTelegramUpdate(botId, this.telegramPressUpdate(queryId, from, {
      message_id: Number(messageId),
      date: Math.floor(message.date / 1000),
      chat: { id: Number(chatId), type: 'private' },
      text: message.text,
      reply_markup: message.replyMarkup,
    }, button.callback_data));
    return { status, queryId };
  }

  /** A callback_query update (https://core.telegram.org/bots/api#callbackquery); sent again, it is Telegram's retry. */
  telegramPressUpdate(
    queryId: string,
    from: { id: number; first_name?: string; username?: string },
    message: Record<string, unknown>,
    data: string,
  ): Record<string, unknown> {
    return {
      callback_query: {
        id: queryId,
        from: { is_bot: false, first_name: 'Customer', ...from },
        message: { from: { id: 0, is_bot: true, first_name: 'Bot' }, ...message },
        chat_instance: `${from.id}`,
        data,
      },
    };
  }

  /** Registers a downloadable file (voice, photo) and returns its file_id. */
  addTelegramFile(bytes: Buffer, mime: string, extension: string, options: { stall?: boolean } = {}): string {
    const fileId = `AgAC${randomBytes(12).toString('base64url')}`;
    this.files.set(fileId, { bytes, mime, path: `files/${fileId}.${extension}`, ...options });
    return fileId;
  }

  voiceFields(): Record<string, unknown> {
    const fileId = this.addTelegramFile(SAMPLE_OGG_OPUS, 'audio/ogg', 'oga');
    return {
      voice: {
        file_id: fileId,
        file_unique_id: fileId.slice(0, 8),
        duration: 2,
        mime_type: 'audio/ogg',
        file_size: SAMPLE_OGG_OPUS.length,
      },
    };
  }

  photoFields(caption?: string): Record<string, unknown> {
    const small = this.addTelegramFile(SAMPLE_JPEG, 'image/jpeg', 'jpg');
    const large = this.addTelegramFile(SAMPLE_JPEG, 'image/jpeg', 'jpg');
    return {
      photo: [
        { file_id: small, file_unique_id: 's', width: 90, height: 90, file_size: SAMPLE_JPEG.length },
        { file_id: large, file_unique_id: 'l', width: 800, height: 800, file_size: SAMPLE_JPEG.length },
      ],
      ...(caption ? { caption } : {}),
    };
  }

  private async telegramCustomerWrites(
    botId: string,
    body: { user_id?: number; name?: string; text?: string },
  ) {
    const from = { id: body.user_id ?? 424242, first_name: body.name ?? 'Demo Customer' };
    return this.postTelegramUpdate(botId, this.telegramMessage(botId, from, { text: body.text ?? 'Hello!' }));
  }

  // ---- the customer: Instagram --------------------------------------------------------------

  /** Posts a webhook body to Parley signed with the app secret (or a wrong one when `valid` is false). */
  async postInstagramWebhook(body: Record<string, unknown>, valid = true): Promise<number> {
    const url = this.options.instagramWebhookUrl;
    const secret = this.options.instagramAppSecret;
    if (!url || !secret)
      throw new Error('the simulator was started without instagramWebhookUrl/instagramAppSecret');
    const raw = JSON.stringify(body);
    const signature = createHmac('sha256', valid ? secret : `${secret}-wrong`)
      .update(raw)
      .digest('hex');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
      body: raw,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** One messaging event wrapped as Meta batches them. */
  instagramEvent(igUserId: string, event: Record<string, unknown>): Record<string, unknown> {
    return {
      object: 'instagram',
      entry: [{ id: igUserId, time: Date.now(), messaging: [{ timestamp: Date.now(), ...event }] }],
    };
  }

  instagramMessage(igUserId: string, from: string, message: Record<string, unknown>) {
    const mid = `aWdfZAG1${randomBytes(16).toString('base64url')}`;
    this.igMessages.set((message.mid as string | undefined) ?? mid, { reaction: null });
    return this.instagramEvent(igUserId, {
      sender: { id: from },
      recipient: { id: igUserId },
      message: { mid, ...message },
    });
  }

  /** The customer taps one of our quick replies: Meta sends its title as the text, our payload beside it. */
  instagramQuickReply(igUserId: string, from: string, title: string, payload: string) {
    return this.instagramMessage(igUserId, from, { text: title, quick_reply: { payload } });
  }

  /** Meta's echo of a message our account sent to `to` (typed in the Instagram app, or one of Parley's sends). */
  instagramEcho(igUserId: string, to: string, message: Record<string, unknown>) {
    return this.instagramEvent(igUserId, {
      sender: { id: igUserId },
      recipient: { id: to },
      message: { mid: `aWdfZAG1${randomBytes(16).toString('base64url')}`, ...message, is_echo: true },
    });
  }

  /** A customer's reply to one of our stories: `reply_to.story {url, id}`, the story's media on the CDN. */
  instagramStoryReply(igUserId: string, from: string, text: string, storyId: string) {
    const { payload } = this.instagramAttachment('image');
    return this.instagramMessage(igUserId, from, {
      text,
      reply_to: { story: { url: payload.url, id: storyId } },
    });
  }

  /** A customer mentioned us in their story: a `story_mention` attachment with the story's CDN URL. */
  instagramStoryMention(igUserId: string, from: string) {
    const { payload } = this.instagramAttachment('image');
    return this.instagramMessage(igUserId, from, { attachments: [{ type: 'story_mention', payload }] });
  }

  /** The business's reaction on a customer's Instagram message (by mid): "love", or null. */
  instagramReaction(mid: string): string | null | undefined {
    return this.igMessages.get(mid)?.reaction;
  }

  /**
   * An attachment hosted by the simulator's CDN. `redirectTo` makes its URL answer 302 to that
   * URL; `stall` makes it send half the bytes and then nothing.
   */
  instagramAttachment(
    type: 'image' | 'audio',
    options: { redirectTo?: string; stall?: boolean; bytes?: Buffer; mime?: string } = {},
  ): { type: string; payload: { url: string } } {
    const id = randomBytes(8).toString('hex');
    const { redirectTo, stall } = options;
    this.files.set(id, {
      bytes: options.bytes ?? (type === 'image' ? SAMPLE_JPEG : SAMPLE_OGG_OPUS),
      mime: options.mime ?? (type === 'image' ? 'image/jpeg' : 'audio/ogg'),
      path: id,
      redirectTo,
      stall,
    });
    return { type, payload: { url: `${this.cdnUrl}/ig-media/${id}` } };
  }

  /** Requests for the file an attachment URL (or Telegram file id) names. */
  mediaRequestsFor(urlOrFileId: string): MediaRequest[] {
    const key = urlOrFileId.split('/').pop() ?? urlOrFileId;
    return this.mediaRequests.filter((r) => r.path.includes(key));
  }

  setInstagramProfile(igsid: string, profile: { name: string; username: string }): void {
    this.igUsers.set(igsid, profile);
  }

  // ---- Telegram Bot API -------------------------------------------------------------------

  private async telegram(req: Request, res: Response): Promise<void> {
    const token = String(req.params.token);
    const method = String(req.params.method);
    const body = { ...(req.query as Record<string, unknown>), ...(req.body as Record<string, unknown>) };
    const files = filesOf(req);
    const match = TOKEN.exec(token);
    const account = match?.[1] ?? 'unknown';
    const answer = (status: number, payload: object) => {
      this.calls.push({ platform: 'telegram', method, account, body, files, at: Date.now(), status });
      res.status(status).json(payload);
    };
    if (!match || this.revokedTokens.has(token))
      return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });

    const fault = await this.takeFault('telegram', method);
    // A slow request whose sender vanished before the platform accepted it was never accepted.
    if (fault?.delayMs && req.socket.destroyed)
      return answer(499, { ok: false, error_code: 499, description: 'client gone' });
    if (fault?.status) {
      return answer(fault.status, {
        ok: false,
        error_code: fault.status,
        description:
          fault.description ??
          (fault.status === 429
            ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}`
            : 'Internal Server Error'),
        ...(fault.status === 429 ? { parameters: { retry_after: fault.retryAfter ?? 1 } } : {}),
      });
    }

    const bot = this.botFor(match[1], token);
    const chatId = String(body.chat_id ?? '');
    const markup = typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup;
    const sentMessage = (extra: { text?: unknown; caption?: unknown }) => {
      const messageId = (bot.nextMessageId.get(chatId) ?? 0) + 1;
      bot.nextMessageId.set(chatId, messageId);
      this.telegramMessages.set(`${bot.id}:${chatId}:${messageId}`, {
        date: Date.now(),
        from: 'bot',
        text: typeof extra.text === 'string' ? extra.text : undefined,
        caption: typeof extra.caption === 'string' ? extra.caption : undefined,
        media: extra.text === undefined,
        deleted: false,
        reactions: [],
        replyMarkup: markup ?? undefined,
      });
      return {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chatId), type: 'private' },
        ...extra,
        ...(markup ? { reply_markup: markup } : {}),
      };
    };
    switch (method) {
      case 'getMe':
        return answer(200, {
          ok: true,
          result: { id: bot.id, is_bot: true, first_name: 'Parley Demo', username: bot.username },
        });
      case 'setWebhook': {
        const secret = body.secret_token as string | undefined;
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          return answer(400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: secret token contains unallowed characters',
          });
        }
        const allowed =
          typeof body.allowed_updates === 'string' ? JSON.parse(body.allowed_updates) : body.allowed_updates;
        bot.webhook = {
          url: String(body.url),
          secret_token: secret,
          allowed_updates: allowed as string[] | undefined,
        };
        return answer(200, { ok: true, result: true, description: 'Webhook was set' });
      }
      case 'deleteWebhook':
        bot.webhook = null;
        return answer(200, { ok: true, result: true, description: 'Webhook was deleted' });
      case 'sendMessage':
        if (!body.text)
          return answer(400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: message text is empty',
          });
        return answer(200, { ok: true, result: sentMessage({ text: body.text }) });
      case 'sendVoice':
      case 'sendPhoto':
      case 'sendDocument': {
        const field = { sendVoice: 'voice', sendPhoto: 'photo', sendDocument: 'document' }[method]!;
        // A file goes up as the field itself, or as "attach://<part>" naming another multipart part.
        const reference = typeof body[field] === 'string' ? String(body[field]) : '';
        const part = reference.startsWith('attach://') ? reference.slice('attach://'.length) : field;
        const file = files.find((f) => f.field === part);
        if (file) file.field = field;
        if (!file) {
          return answer(400, {
            ok: false,
            error_code: 400,
            description: `Bad Request: there is no ${field} in the request`,
          });
        }
        return answer(200, {
          ok: true,
          result: sentMessage({
            [field]: { file_id: randomBytes(8).toString('hex') },
            caption: body.caption,
          }),
        });
      }
      case 'sendChatAction':
        return answer(200, { ok: true, result: true });
      case 'answerCallbackQuery': {
        const query = this.callbackQueries.get(String(body.callback_query_id));
        if (!query || query.botId !== String(bot.id))
          return answer(400, { ok: false, error_code: 400, description: 'Bad Request: query is too old or query ID is invalid' });
        query.answered = true;
        return answer(200, { ok: true, result: true });
      }
      case 'editMessageText':
      case 'editMessageCaption':
      case 'deleteMessage':
      case 'setMessageReaction':
        return this.telegramChange(method, bot, chatId, body, answer);
      case 'getFile': {
        const file = this.files.get(String(body.file_id));
        if (!file)
          return answer(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
        return answer(200, {
          ok: true,
          result: {
            file_id: body.file_id,
            file_unique_id: 'u',
            file_size: file.bytes.length,
            file_path: file.path,
          },
        });
      }
      default:
        return answer(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  /** Edits, deletes and reactions on a chat's messages, with Telegram's own refusals. */
  private telegramChange(
    method: string,
    bot: Bot,
    chatId: string,
    body: Record<string, unknown>,
    answer: (status: number, payload: object) => void,
  ): void {
    const refuse = (description: string) =>
      answer(400, { ok: false, error_code: 400, description: `Bad Request: ${description}` });
    const message = this.telegramMessages.get(`${bot.id}:${chatId}:${Number(body.message_id)}`);
    const live = message && !message.deleted ? message : undefined;
    switch (method) {
      case 'editMessageText':
      case 'editMessageCaption': {
        if (!live || live.from !== 'bot') return refuse('message to edit not found');
        const field = method === 'editMessageText' ? 'text' : 'caption';
        if (field === 'text' && live.media) return refuse('there is no text in the message to edit');
        if (field === 'caption' && !live.media) return refuse('there is no caption in the message to edit');
        const value = String(body[field] ?? '');
        if (field === 'text' && !value) return refuse('message text is empty');
        if (live[field] === value) {
          return refuse(
            'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        }
        live[field] = value;
        return answer(200, {
          ok: true,
          result: {
            message_id: Number(body.message_id),
            chat: { id: Number(chatId), type: 'private' },
            [field]: value,
          },
        });
      }
      case 'deleteMessage':
        if (message?.deleted) return refuse('message to delete not found');
        if (!message || Date.now() - message.date > TELEGRAM_DELETE_WINDOW_MS)
          return refuse("message can't be deleted");
        message.deleted = true;
        return answer(200, { ok: true, result: true });
      default: {
        if (!live) return refuse('message to react not found');
        const reaction = (
          typeof body.reaction === 'string' ? JSON.parse(body.reaction) : (body.reaction ?? [])
        ) as {
          type: string;
          emoji?: string;
        }[];
        if (reaction.length > 1) return refuse('REACTIONS_TOO_MANY');
        if (reaction.some((r) => r.type !== 'emoji' || !TELEGRAM_REACTION_EMOJI.has(r.emoji ?? '')))
          return refuse('REACTION_INVALID');
        live.reactions = reaction;
        return answer(200, { ok: true, result: true });
      }
    }
  }

  /** Makes a chat message older, as if it had been sent `hours` ago (Telegram's 48-hour delete limit). */
  ageTelegramMessage(botId: number | string, externalId: string, hours: number): void {
    const message = this.telegramChatMessage(botId, externalId);
    if (!message) throw new Error(`no Telegram message ${externalId} in bot ${botId}'s chats`);
    message.date = Date.now() - hours * 3600 * 1000;
  }

  private telegramFile(req: Request, res: Response): void {
    const path = ([] as string[]).concat(req.params.path as unknown as string[]).join('/');
    const file = [...this.files.values()].find((f) => f.path === path);
    this.serveFile(req, res, 'api', file);
  }

  /** Answers a file request and records it, with its Authorization header and when it closed. */
  private serveFile(req: Request, res: Response, host: MediaRequest['host'], file: StoredFile | undefined) {
    const request: MediaRequest = {
      host,
      path: req.path,
      authorization: req.headers.authorization,
      at: Date.now(),
      closed: false,
    };
    this.mediaRequests.push(request);
    res.once('close', () => (request.closed = true));
    if (!file) {
      res.status(404).end();
    } else if (file.redirectTo) {
      res.redirect(302, file.redirectTo);
    } else if (file.stall) {
      res.writeHead(200, { 'content-type': file.mime, 'content-length': String(file.bytes.length) });
      res.write(file.bytes.subarray(0, file.bytes.length >> 1));
    } else {
      res.type(file.mime).send(file.bytes);
    }
  }

  private botFor(id: string, token: string): Bot {
    let bot = this.bots.get(id);
    if (!bot) {
      bot = {
        id: Number(id),
        token,
        username: `parley_demo_${id}_bot`,
        webhook: null,
        nextMessageId: new Map(),
      };
      this.bots.set(id, bot);
    }
    return bot;
  }

  // ---- Instagram Graph API ----------------------------------------------------------------

  private igToken(req: Request): string {
    return (
      (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || String(req.query.access_token ?? '')
    );
  }

  private graphError(res: Response, status: number, code: number, message: string, subcode?: number) {
    res
      .status(status)
      .json({ error: { message, type: 'OAuthException', code, error_subcode: subcode, fbtrace_id: 'sim' } });
  }

  private async instagramSend(req: Request, res: Response): Promise<void> {
    const account = String(req.params.account);
    const raw = req.body as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      body[key] = typeof value === 'string' && /^[[{]/.test(value) ? JSON.parse(value) : value;
    }
    const files = filesOf(req);
    const record = (status: number) =>
      this.calls.push({
        platform: 'instagram',
        method: 'messages',
        account,
        body,
        files,
        at: Date.now(),
        status,
      });
    if (this.igTokens.get(account) !== this.igToken(req)) {
      record(400);
      return this.graphError(res, 400, 190, 'Error validating access token: Session has expired.');
    }
    const fault = await this.takeFault('instagram', 'messages');
    if (fault?.status) {
      record(fault.status);
      if (fault.status === 429) res.setHeader('retry-after', String(fault.retryAfter ?? 1));
      return this.graphError(
        res,
        fault.status,
        fault.graphCode ?? (fault.status >= 500 ? 2 : 4),
        fault.description ?? 'Simulated error',
        fault.graphSubcode,
      );
    }
    if (body.sender_action === 'react' || body.sender_action === 'unreact') {
      const payload = (body.payload ?? {}) as { message_id?: string; reaction?: string };
      const target = this.igMessages.get(payload.message_id ?? '');
      if (!target) {
        record(400);
        return this.graphError(res, 400, 100, '(#100) The message you are reacting to does not exist');
      }
      if (body.sender_action === 'react' && payload.reaction !== 'love') {
        record(400);
        return this.graphError(res, 400, 100, '(#100) Param payload[reaction] must be one of {love}');
      }
      target.reaction = body.sender_action === 'react' ? 'love' : null;
      record(200);
      res.json({ recipient_id: (body.recipient as { id: string }).id });
      return;
    }
    if (body.sender_action) {
      record(200);
      res.json({ recipient_id: (body.recipient as { id: string }).id });
      return;
    }
    record(200);
    const recipient = (body.recipient as { id?: string } | undefined)?.id;
    const mid = `aWdfZAG1sent${this.igMessageCounter++}${randomBytes(6).toString('hex')}`;
    await this.beforeInstagramAnswer?.({ account, recipient: recipient ?? '', mid, body });
    res.json({ recipient_id: recipient, message_id: mid });
  }

  private instagramProfile(req: Request, res: Response): void {
    const id = String(req.params.id);
    if (this.igTokens.has(id)) {
      if (this.igTokens.get(id) !== this.igToken(req))
        return this.graphError(res, 400, 190, 'Invalid OAuth access token.');
      res.json({ id, username: `parley_demo_${id.slice(-4)}` });
      return;
    }
    const user = this.igUsers.get(id);
    if (!user) return this.graphError(res, 400, 100, 'Unsupported get request.');
    res.json({ id, name: user.name, username: user.username, profile_pic: null });
  }

  private instagramMedia(req: Request, res: Response, host: MediaRequest['host']): void {
    this.serveFile(req, res, host, this.files.get(String(req.params.id)));
  }

  private async takeFault(platform: Fault['platform'], method: string): Promise<Fault | undefined> {
    const at = this.faults.findIndex(
      (f) => f.platform === platform && (f.method === method || f.method === '*'),
    );
    if (at < 0) return undefined;
    const fault = this.faults[at];
    if (--fault.times <= 0) this.faults.splice(at, 1);
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    return fault;
  }

  private page(): string {
    const bots = [...this.bots.values()].filter((b) => b.webhook);
    return `<!doctype html><meta charset="utf-8"><title>Parley platform simulator</title>
<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">
<h1>Parley platform simulator</h1>
<p>Write to the inbox as a Telegram customer. Messages arrive in Parley through its real webhook.</p>
${bots
  .map(
    (
      b,
    ) => `<form onsubmit="event.preventDefault();fetch('/_sim/telegram/${b.id}/messages',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user_id:+this.user.value,name:this.name.value,text:this.text.value})}).then(r=>r.json()).then(j=>this.out.textContent='delivered: '+j.delivered)">
<fieldset><legend>@${b.username}</legend>
<label>Customer id <input name="user" value="424242" size="8"></label>
<label>Name <input name="name" value="Demo Customer"></label><br>
<textarea name="text" dir="auto" rows="3" cols="50">سلام! I need help with my order.</textarea><br>
<button>Send as customer</button> <output name="out"></output></fieldset></form>`,
  )
  .join('')}
${this.divar.pageSection()}
<p>Calls Parley made: <a href="/_sim/calls">/_sim/calls</a></p></body>`;
  }
}
