import express, { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import { randomBytes, randomUUID } from 'node:crypto';
import { SAMPLE_JPEG, SAMPLE_OGG_OPUS } from './samples';

/**
 * A stand-in for Divar's open platform (Kenar), speaking its wire format as
 * `../shared/platforms/divar.md` describes it: OAuth (authorize, token with both grants, rotating
 * tokens whose predecessors stay valid 2 minutes), the user, event subscriptions, both send
 * endpoints, the two-step media upload, faults, and a customer who posts events to an app's
 * events URL with its identification key (or a forged one).
 *
 * Mounted by PlatformSimulator: the API under `/divar` (DIVAR_API_URL and DIVAR_OAUTH_URL), the
 * upload host under `/divar-upload` (DIVAR_UPLOAD_URL), attachments on the simulator's CDN.
 */

export interface DivarApp {
  slug: string;
  apiKey: string;
  identificationKey: string;
  clientSecret: string;
  /** The events URL typed into the panel: PUBLIC_URL/webhooks/divar/<channel id>. */
  eventsUrl?: string;
  /** The owner who grants access (Divar's app-scoped user id). */
  userId: string;
}

/** Which endpoint a call or fault is about. */
export type DivarEndpoint =
  'authorize' | 'token' | 'users' | 'subscriptions' | 'post_send' | 'bot_send' | 'upload_token' | 'upload';

export interface DivarCall {
  endpoint: DivarEndpoint;
  /** The conversation a send was for. */
  conversationId?: string;
  apiKey?: string;
  bearer?: string;
  body: Record<string, unknown>;
  file?: { name: string; mime: string; size: number; kind: string };
  status: number;
  at: number;
}

export interface DivarFault {
  endpoint: DivarEndpoint | '*';
  times: number;
  status: number;
  /** google.rpc.Status code in the body (412 with 9: the recipient's restriction). */
  code?: number;
  message?: string;
  retryAfter?: number;
  /** For the token endpoint: an OAuth error (invalid_grant). */
  oauthError?: string;
}

interface Token {
  slug: string;
  userId: string;
  expiresAt: number;
  /** When a newer token replaced it: it stays good for 2 minutes after (divar.md §3). */
  replacedAt?: number;
  revoked?: boolean;
}

const GRACE_MS = 2 * 60 * 1000;

const bearerOf = (req: Request) => (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || undefined;

export class DivarSimulator {
  readonly calls: DivarCall[] = [];
  readonly subscriptions: {
    slug: string;
    userId: string;
    eventType: string;
    resourceId: string;
    at: number;
  }[] = [];
  private readonly apps = new Map<string, DivarApp>();
  private readonly codes = new Map<string, { slug: string; redirectUri: string; scope: string }>();
  private readonly accessTokens = new Map<string, Token>();
  private readonly refreshTokens = new Map<string, Token>();
  private readonly uploadTokens = new Set<string>();
  private readonly faults: DivarFault[] = [];
  private readonly files = new Map<string, { bytes: Buffer; mime: string }>();
  /** Seconds an access token lives (Divar's example: 3600). */
  expiresIn = 3600;
  /** The owner answers "no" on the consent page this many times. */
  private denials = 0;
  /** Where attachment links point (the simulator's CDN origin). */
  cdnUrl = '';

  // ---- control --------------------------------------------------------------------------------

  /** A Kenar app with fresh keys; `eventsUrl` may come later (setEventsUrl). */
  newApp(eventsUrl?: string): DivarApp {
    const app: DivarApp = {
      slug: `parley-${randomBytes(4).toString('hex')}`,
      apiKey: `divar-api-key-${randomBytes(12).toString('hex')}`,
      identificationKey: `divar-id-key-${randomBytes(16).toString('hex')}`,
      clientSecret: `divar-secret-${randomBytes(16).toString('hex')}`,
      eventsUrl,
      userId: `user-${randomBytes(6).toString('hex')}`,
    };
    this.apps.set(app.slug, app);
    return app;
  }

  addApp(app: DivarApp): void {
    this.apps.set(app.slug, { ...app });
  }

  app(slug: string): DivarApp | undefined {
    return this.apps.get(slug);
  }

  setEventsUrl(slug: string, url: string): void {
    const app = this.apps.get(slug);
    if (!app) throw new Error(`no Divar app ${slug}`);
    app.eventsUrl = url;
  }

  inject(fault: DivarFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The next `times` consent pages are refused by the owner (the callback gets no code). */
  denyNext(times = 1): void {
    this.denials += times;
  }

  /** Every token of the app's owner stops working at once (they revoked the app in Divar). */
  revokeGrant(slug: string): void {
    for (const token of [...this.accessTokens.values(), ...this.refreshTokens.values()])
      if (token.slug === slug) token.revoked = true;
  }

  /** The newest access token issued for the app (what Parley should be using now). */
  currentAccessToken(slug: string): string | undefined {
    return [...this.accessTokens.entries()].filter(([, t]) => t.slug === slug && !t.replacedAt).pop()?.[0];
  }

  sent(endpoint: 'post_send' | 'bot_send', conversationId?: string): DivarCall[] {
    return this.calls.filter(
      (c) =>
        c.endpoint === endpoint &&
        c.status === 200 &&
        (!conversationId || c.conversationId === conversationId),
    );
  }

  // ---- the customer -----------------------------------------------------------------------------

  /** Posts an event to the app's events URL with its identification key, or `key` instead (a forgery). */
  async postEvent(slug: string, event: Record<string, unknown>, key?: string): Promise<number> {
    const app = this.apps.get(slug);
    if (!app?.eventsUrl) throw new Error(`Divar app ${slug} has no events URL`);
    const response = await fetch(app.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: key ?? app.identificationKey },
      body: JSON.stringify(event),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * The user presses an `open_server_link` button under one of the app's messages (divar.md §6):
   * Divar posts the button's `data` as `extra_data` to the app's session URL, with the chat and
   * the presser; answers Parley's status and body (the `url` Divar would open).
   */
  async pressServerLink(
    slug: string,
    sessionUrl: string,
    press: { conversationId: string; data: unknown; postToken?: string; userId?: string },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const app = this.apps.get(slug);
    if (!app) throw new Error(`no Divar app ${slug}`);
    const response = await fetch(sessionUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: app.identificationKey, api_version: '2' },
      body: JSON.stringify({
        conversation_id: press.conversationId,
        post_token: press.postToken ?? '',
        user_side: press.postToken ? 'DEMAND' : undefined,
        source: 'CHAT_MESSAGE_ACTION',
        extra_data: press.data,
        user_id: press.userId ?? app.userId,
      }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** A customer's message in a chat on an ad: `NEW_MESSAGE` (the NEW_MESSAGE_ON_POST subscription). */
  postMessage(
    conversationId: string,
    postToken: string,
    fields: Record<string, unknown> = { type: 'TEXT', text: 'Is this still available?' },
    side: 'BUYER' | 'SELLER' = 'BUYER',
  ) {
    return {
      type: 'NEW_MESSAGE',
      metadata: {},
      new_message: {
        id: randomUUID(),
        conversation: { id: conversationId, type: 'POST', post_token: postToken },
        sender: { side, type: side === 'SELLER' ? 'BOT' : 'HUMAN' },
        sent_at: Date.now() * 1000,
        ...fields,
      },
    };
  }

  /** A user's message to the app's chatbot: `NEW_CHATBOT_MESSAGE` (Divar's example: `meta_data`, sender HUMAN, no side). */
  chatbotMessage(conversationId: string, fields: Record<string, unknown> = { type: 'TEXT', text: 'Hello' }) {
    return {
      type: 'NEW_CHATBOT_MESSAGE',
      meta_data: {},
      new_chatbot_message: {
        id: randomUUID(),
        conversation: { id: conversationId, type: 'BOT' },
        sender: { type: 'HUMAN' },
        sent_at: Date.now() * 1000,
        ...fields,
      },
    };
  }

  revocation(slug: string) {
    return {
      type: 'USER_ACCESS_REVOCATION',
      metadata: {},
      user_access_revocation: { user_id: this.apps.get(slug)?.userId },
    };
  }

  /** An attachment on the CDN, as an event's `<kind>_data`. */
  media(kind: 'image' | 'voice' | 'file' | 'video', bytes?: Buffer, mime?: string) {
    const id = randomBytes(8).toString('hex');
    const data = bytes ?? (kind === 'voice' ? SAMPLE_OGG_OPUS : SAMPLE_JPEG);
    this.files.set(id, { bytes: data, mime: mime ?? (kind === 'voice' ? 'audio/ogg' : 'image/jpeg') });
    const link = `${this.cdnUrl}/divar-media/${id}`;
    return {
      type: kind.toUpperCase(),
      [`${kind}_data`]: {
        link,
        size_bytes: data.length,
        ...(kind === 'file' ? { name: 'document.jpg' } : {}),
      },
    };
  }

  /** The CDN's handler for attachment links. */
  serveMedia(req: Request, res: Response): void {
    const file = this.files.get(String(req.params.id));
    if (!file) res.status(404).end();
    else res.type(file.mime).send(file.bytes);
  }

  /** The demo page's part: write to the inbox as a Divar user of each app that has an events URL. */
  pageSection(): string {
    return [...this.apps.values()]
      .filter((app) => app.eventsUrl)
      .map(
        (
          app,
        ) => `<form onsubmit="event.preventDefault();fetch('/divar/_sim/apps/${encodeURIComponent(app.slug)}/messages',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({conversation_id:this.conversation.value,post_token:this.post.value,text:this.text.value})}).then(r=>r.json()).then(j=>this.out.textContent='delivered: '+j.delivered)">
<fieldset><legend>Divar app ${app.slug}</legend>
<label>Conversation id <input name="conversation" value="demo-conversation-2" size="20"></label>
<label>Ad (post token; empty: the chatbot) <input name="post" value="gZd7omnS" size="10"></label><br>
<textarea name="text" dir="auto" rows="3" cols="50">سلام، این آگهی هنوز موجوده؟</textarea><br>
<button>Send as a Divar user</button> <output name="out"></output></fieldset></form>`,
      )
      .join('');
  }

  // ---- the platform ------------------------------------------------------------------------------

  /** Divar's API and OAuth hosts (mounted at `/divar`). */
  router(): Router {
    const router = Router();
    router.use(express.urlencoded({ extended: false }));
    const run =
      (handler: (req: Request, res: Response) => Promise<void> | void) =>
      (req: Request, res: Response, next: NextFunction) =>
        void Promise.resolve(handler(req, res)).catch(next);
    router.get(
      '/oauth2/auth',
      run((req, res) => this.authorize(req, res)),
    );
    router.post(
      '/oauth2/token',
      run((req, res) => this.token(req, res)),
    );
    router.get(
      '/v1/open-platform/users',
      run((req, res) => this.users(req, res)),
    );
    router.post(
      '/v1/open-platform/events/subscriptions',
      run((req, res) => this.subscribe(req, res)),
    );
    router.post(
      '/v2/open-platform/conversations/:id/messages',
      run((req, res) => this.send(req, res, 'post_send')),
    );
    router.post(
      '/v1/open-platform/chat/bot/conversations/:id/messages',
      run((req, res) => this.send(req, res, 'bot_send')),
    );
    router.post(
      '/experimental/open-platform/chat/upload',
      run((req, res) => this.uploadToken(req, res)),
    );
    // The demo's customer: talk to the inbox as a Divar user, to the chatbot or on an ad (post_token).
    router.post(
      '/_sim/apps/:slug/messages',
      run(async (req, res) => {
        const body = req.body as { conversation_id?: string; text?: string; post_token?: string };
        const conversationId = body.conversation_id || 'demo-conversation';
        const text = { type: 'TEXT', text: body.text ?? 'سلام' };
        const event = body.post_token
          ? this.postMessage(conversationId, body.post_token, text)
          : this.chatbotMessage(conversationId, text);
        res.json({ delivered: await this.postEvent(String(req.params.slug), event) });
      }),
    );
    router.post('/_sim/apps', (req, res) => {
      const body = req.body as Record<string, string>;
      this.addApp({
        slug: body.slug,
        apiKey: body.api_key,
        identificationKey: body.identification_key,
        clientSecret: body.client_secret,
        eventsUrl: body.events_url,
        userId: body.user_id ?? `user-${body.slug}`,
      });
      res.json({ ok: true });
    });
    return router;
  }

  /** The upload host (mounted at `/divar-upload`): step two of the media upload. */
  uploadRouter(): Router {
    const router = Router();
    const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 60 * 1024 * 1024 } });
    router.post(
      '/upload/:kind',
      upload.single('file'),
      (req, res, next) => void this.uploadFile(req, res).catch(next),
    );
    return router;
  }

  private record(req: Request, endpoint: DivarEndpoint, status: number, extra: Partial<DivarCall> = {}) {
    this.calls.push({
      endpoint,
      apiKey: req.headers['x-api-key'] as string | undefined,
      bearer: bearerOf(req),
      body: { ...(req.body as Record<string, unknown>) },
      status,
      at: Date.now(),
      ...extra,
    });
  }

  private async takeFault(endpoint: DivarEndpoint): Promise<DivarFault | undefined> {
    const at = this.faults.findIndex((f) => f.endpoint === endpoint || f.endpoint === '*');
    if (at < 0) return undefined;
    const fault = this.faults[at];
    if (--fault.times <= 0) this.faults.splice(at, 1);
    return fault;
  }

  /** Answers a fault as Divar would (google.rpc.Status body; OAuth errors on the token endpoint). */
  private answerFault(req: Request, res: Response, endpoint: DivarEndpoint, fault: DivarFault, extra = {}) {
    this.record(req, endpoint, fault.status, extra);
    if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
    if (fault.oauthError) {
      res
        .status(fault.status)
        .json({ error: fault.oauthError, error_description: fault.message ?? fault.oauthError });
      return;
    }
    res.status(fault.status).json({
      code: fault.code ?? (fault.status >= 500 ? 13 : 3),
      message: fault.message ?? 'simulated error',
      details: [],
    });
  }

  private refuse(
    req: Request,
    res: Response,
    endpoint: DivarEndpoint,
    status: number,
    message: string,
    extra = {},
  ) {
    this.record(req, endpoint, status, extra);
    res.status(status).json({ code: status === 401 ? 16 : 7, message, details: [] });
  }

  private appByKey(req: Request): DivarApp | undefined {
    const key = req.headers['x-api-key'];
    return [...this.apps.values()].find((a) => a.apiKey === key);
  }

  private validToken(token: string | undefined, slug: string): Token | undefined {
    const found = token ? this.accessTokens.get(token) : undefined;
    if (!found || found.revoked || found.slug !== slug) return undefined;
    const now = Date.now();
    if (found.expiresAt <= now) return undefined;
    if (found.replacedAt && now - found.replacedAt > GRACE_MS) return undefined;
    return found;
  }

  private issue(
    slug: string,
    userId: string,
  ): { access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string } {
    const access = `divar-at-${randomBytes(18).toString('base64url')}`;
    const refresh = `divar-rt-${randomBytes(18).toString('base64url')}`;
    const now = Date.now();
    for (const token of this.accessTokens.values())
      if (token.slug === slug && !token.replacedAt) token.replacedAt = now;
    for (const token of this.refreshTokens.values())
      if (token.slug === slug && !token.replacedAt) token.replacedAt = now;
    this.accessTokens.set(access, { slug, userId, expiresAt: now + this.expiresIn * 1000 });
    this.refreshTokens.set(refresh, { slug, userId, expiresAt: now + 30 * 24 * 3600 * 1000 });
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: this.expiresIn,
      scope: '',
      token_type: 'Bearer',
    };
  }

  private async authorize(req: Request, res: Response): Promise<void> {
    const query = req.query as Record<string, string | undefined>;
    const app = this.apps.get(query.client_id ?? '');
    if (query.response_type !== 'code' || !app || !query.redirect_uri) {
      this.record(req, 'authorize', 400, { body: { ...query } });
      res.status(400).type('text').send('invalid authorization request');
      return;
    }
    const back = new URL(query.redirect_uri);
    if (this.denials > 0) {
      this.denials--;
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `divar-code-${randomBytes(12).toString('base64url')}`;
      this.codes.set(code, { slug: app.slug, redirectUri: query.redirect_uri, scope: query.scope ?? '' });
      back.searchParams.set('code', code);
    }
    if (query.state) back.searchParams.set('state', query.state);
    this.record(req, 'authorize', 302, { body: { ...query } });
    res.redirect(302, back.href);
  }

  private async token(req: Request, res: Response): Promise<void> {
    const body = req.body as Record<string, string | undefined>;
    const app = this.apps.get(body.client_id ?? '');
    const fault = await this.takeFault('token');
    if (fault) return this.answerFault(req, res, 'token', fault);
    const refuse = (error: string) => {
      this.record(req, 'token', 400);
      res.status(400).json({ error, error_description: error });
    };
    if (!app || body.client_secret !== app.clientSecret) return refuse('invalid_client');
    if (body.grant_type === 'authorization_code') {
      const code = this.codes.get(body.code ?? '');
      this.codes.delete(body.code ?? '');
      if (!code || code.slug !== app.slug || code.redirectUri !== body.redirect_uri)
        return refuse('invalid_grant');
      this.record(req, 'token', 200);
      res.json(this.issue(app.slug, app.userId));
      return;
    }
    if (body.grant_type === 'refresh_token') {
      const token = this.refreshTokens.get(body.refresh_token ?? '');
      const now = Date.now();
      if (
        !token ||
        token.revoked ||
        token.slug !== app.slug ||
        (token.replacedAt && now - token.replacedAt > GRACE_MS)
      )
        return refuse('invalid_grant');
      this.record(req, 'token', 200);
      res.json(this.issue(app.slug, token.userId));
      return;
    }
    refuse('unsupported_grant_type');
  }

  /** The app's key and a live token of its owner, or an answer already sent. */
  private authorized(
    req: Request,
    res: Response,
    endpoint: DivarEndpoint,
    bearer: 'required' | 'optional',
    extra = {},
  ) {
    const app = this.appByKey(req);
    if (!app) {
      this.refuse(req, res, endpoint, 403, 'invalid api key', extra);
      return undefined;
    }
    const token = bearerOf(req);
    if ((bearer === 'required' || token) && !this.validToken(token, app.slug)) {
      this.refuse(req, res, endpoint, 401, 'access token is invalid or expired', extra);
      return undefined;
    }
    return app;
  }

  private async users(req: Request, res: Response): Promise<void> {
    const app = this.authorized(req, res, 'users', 'required');
    if (!app) return;
    this.record(req, 'users', 200);
    res.json({ user_id: this.accessTokens.get(bearerOf(req)!)!.userId, phone_number: '' });
  }

  private async subscribe(req: Request, res: Response): Promise<void> {
    const fault = await this.takeFault('subscriptions');
    if (fault) return this.answerFault(req, res, 'subscriptions', fault);
    const app = this.authorized(req, res, 'subscriptions', 'required');
    if (!app) return;
    const body = req.body as { event_type?: string; event_resource_id?: string };
    if (!['NEW_MESSAGE_ON_POST', 'POST_UPDATE'].includes(body.event_type ?? ''))
      return this.refuse(req, res, 'subscriptions', 400, 'unknown event type');
    this.subscriptions.push({
      slug: app.slug,
      userId: this.accessTokens.get(bearerOf(req)!)!.userId,
      eventType: body.event_type!,
      resourceId: body.event_resource_id ?? '',
      at: Date.now(),
    });
    this.record(req, 'subscriptions', 200);
    res.json({});
  }

  private async send(req: Request, res: Response, endpoint: 'post_send' | 'bot_send'): Promise<void> {
    const extra = { conversationId: String(req.params.id) };
    const fault = await this.takeFault(endpoint);
    if (fault) return this.answerFault(req, res, endpoint, fault, extra);
    const app = this.authorized(
      req,
      res,
      endpoint,
      endpoint === 'post_send' ? 'required' : 'optional',
      extra,
    );
    if (!app) return;
    const body = req.body as Record<string, unknown>;
    const text = endpoint === 'post_send' ? body.message : body.text_message;
    if (typeof text !== 'string')
      return this.refuse(req, res, endpoint, 400, 'the message text is required', extra);
    this.record(req, endpoint, 200, extra);
    res.json(
      endpoint === 'post_send' ? { status: 200, message: 'sent' } : { conversation_id: req.params.id },
    );
  }

  private async uploadToken(req: Request, res: Response): Promise<void> {
    const fault = await this.takeFault('upload_token');
    if (fault) return this.answerFault(req, res, 'upload_token', fault);
    const app = this.authorized(req, res, 'upload_token', 'optional');
    if (!app) return;
    const token = `divar-upload-${randomBytes(12).toString('base64url')}`;
    this.uploadTokens.add(token);
    this.record(req, 'upload_token', 200);
    res.json({ token });
  }

  private async uploadFile(req: Request, res: Response): Promise<void> {
    const kind = String(req.params.kind);
    const file = req.file;
    const extra = file
      ? { file: { name: file.originalname, mime: file.mimetype, size: file.size, kind } }
      : { file: undefined };
    const fault = await this.takeFault('upload');
    if (fault) return this.answerFault(req, res, 'upload', fault, extra);
    const token = bearerOf(req);
    if (!token || !this.uploadTokens.delete(token))
      return this.refuse(req, res, 'upload', 401, 'invalid upload token', extra);
    if (!['image', 'video', 'voice', 'file'].includes(kind) || !file)
      return this.refuse(req, res, 'upload', 400, 'a file of a known kind is required', extra);
    this.record(req, 'upload', 200, extra);
    res.json({ id: `media-${randomBytes(10).toString('hex')}` });
  }
}
