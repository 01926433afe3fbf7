import { Clock } from '@parley/domain/clock';
import { CSAT_QUESTION } from '@parley/domain/reports/csat.service';
import { CSAT_THANKS } from '@parley/domain/reports/csat-comment.service';
import { ChannelService } from '@parley/domain/services/channel.service';
import {
  freePort,
  freshEnvironment,
  startApi,
  startIngest,
  startWorker,
  TestApp,
  TestEnvironment,
} from './support/app';
import { createChannel, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually } from './support/ws';

interface MessageRow {
  id: string;
  type: string;
  content: string;
  sender: { kind: string; id: string; name: string | null } | null;
  external_send_result: { success: boolean; message_id?: string } | null;
  buttons?: { caption: string; payload: string }[][];
}

/**
 * CSAT on every chat platform through the simulator (Telegram's inline keyboard, Instagram's quick
 * replies, Divar's open_server_link buttons), and the comment a customer adds to a score: the next
 * text within the window on a chat platform, the widget's box on the web.
 */
describe('CSAT ratings and comments across platforms', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let ingest: TestApp;
  let worker: TestApp;
  let a: Workspace;
  let b: Workspace;

  const sim = () => environment.simulator;
  const history = async (conversationId: string): Promise<MessageRow[]> => {
    const res = await a.http.get(`/api/v1/conversations/${conversationId}/messages?limit=100`);
    expect(res.status).toBe(200);
    return res.body.data as MessageRow[];
  };
  const statusOf = async (conversationId: string) =>
    (await a.http.get(`/api/v1/conversations/${conversationId}`)).body.status as string;
  const ratingOf = async (conversationId: string) =>
    (
      (await api.db.query(
        `SELECT r.id, r.score, r.comment, q.id AS request_id FROM csat_request q
           LEFT JOIN csat_response r ON r.request_id = q.id WHERE q.conversation_id = $1`,
        [conversationId],
      )) as { id: string | null; score: number | null; comment: string | null; request_id: string }[]
    ).map((row) => ({ ...row }));
  const cyclesOf = async (conversationId: string) =>
    Number(
      (
        await api.db.query(`SELECT count(*)::int AS n FROM conversation_cycle WHERE conversation_id = $1`, [
          conversationId,
        ])
      )[0].n,
    );
  const conversationOn = async (channelId: string, platformUserId: string) => {
    let id = '';
    await eventually(async () => {
      const [row] = await api.db.query(
        `SELECT c.id FROM conversation c JOIN contact_identity i ON i.contact_id = c.contact_id AND i.channel_id = c.channel_id
          WHERE c.channel_id = $1 AND i.platform_user_id = $2`,
        [channelId, platformUserId],
      );
      expect(row).toBeDefined();
      id = row.id;
    }, 10000);
    return id;
  };
  const answerAndResolve = async (conversationId: string, content: string) => {
    const reply = await a.http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
      content,
      type: 'support',
    });
    expect([reply.status, reply.body.code]).toEqual([201, undefined]);
    expect(
      (await a.http.patch(`/api/v1/message/conversation/${conversationId}/status/`, { status: 'resolved' }))
        .status,
    ).toBe(200);
  };
  /** The automatic message of this kind, once the platform took it. */
  const automaticSent = async (conversationId: string, kind: 'csat_request' | 'csat_thanks') => {
    let found: MessageRow | undefined;
    await eventually(async () => {
      found = (await history(conversationId)).find(
        (m) => m.sender?.kind === 'automatic' && m.sender.id === kind && m.external_send_result?.success,
      );
      expect(found).toBeDefined();
    }, 15000);
    return found!;
  };
  /** Waits until the named event-log reader has handled everything workspace a wrote so far. */
  const caughtUp = async (reader: string) =>
    eventually(async () => {
      const [row] = await api.db.query(
        `SELECT w.last_seq - coalesce(c.seq, 0) AS behind FROM workspace w
           LEFT JOIN event_reader_cursor c ON c.workspace_id = w.id AND c.reader = $2 WHERE w.id = $1`,
        [a.workspaceId, reader],
      );
      expect(Number(row.behind)).toBe(0);
    }, 10000);
  /** Moves "now" of every process, or back to real time. */
  const setClocks = (at: Date | null) => {
    jest.restoreAllMocks();
    if (at)
      for (const app of [api, ingest, worker]) jest.spyOn(app.get(Clock), 'now').mockImplementation(() => at);
  };
  const enableCsat = async (channelId: string) => {
    const on = await a.http.put(`/api/v1/reports/csat/channels/${channelId}`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, supported: true });
  };

  beforeAll(async () => {
    const apiPort = await freePort();
    // Divar's OAuth consent returns to the api's own callback: the api listens where it says it does.
    environment = await freshEnvironment({
      API_PORT: String(apiPort),
      API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    });
    api = await startApi(environment);
    ingest = await startIngest(environment);
    worker = await startWorker(environment);
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
  });
  afterEach(() => setClocks(null));
  afterAll(async () => {
    jest.restoreAllMocks();
    await worker.close();
    await ingest.close();
    await api.close();
    await environment.close();
  });

  describe('Telegram: the text after a score is its comment', () => {
    let channel: { id: string; external_id: string | null };
    let botId = '';
    /** A customer who wrote, was answered and resolved, and pressed `caption`; answers the conversation. */
    const ratedCustomer = async (customer: { id: number; first_name: string }, caption: string) => {
      expect(
        await sim().postTelegramUpdate(
          botId,
          sim().telegramMessage(botId, customer, { text: 'my order is late' }),
        ),
      ).toBe(200);
      const id = await conversationOn(channel.id, String(customer.id));
      await answerAndResolve(id, `It arrives tomorrow, ${customer.first_name}.`);
      const request = await automaticSent(id, 'csat_request');
      expect(request.content).toBe(CSAT_QUESTION.en);
      const press = await sim().pressTelegramButton(
        botId,
        customer,
        request.external_send_result!.message_id!,
        caption,
      );
      expect(press.status).toBe(200);
      await eventually(async () => expect((await ratingOf(id))[0].score).not.toBeNull(), 10000);
      return id;
    };
    const writes = async (customer: { id: number }, text: string) => {
      const update = sim().telegramMessage(botId, customer, { text });
      expect(await sim().postTelegramUpdate(botId, update)).toBe(200);
      return update;
    };

    beforeAll(async () => {
      channel = await createChannel(api, a.workspaceId, 'Shop bot');
      botId = channel.external_id!;
      await enableCsat(channel.id);
    });

    it('the thanks invites a comment; the next text is stored as it once, stays in the timeline and reopens nothing; the text after it reopens', async () => {
      const customer = { id: 8401, first_name: 'Sara' };
      const id = await ratedCustomer(customer, '5 ⭐');
      const thanks = await automaticSent(id, 'csat_thanks');
      expect(thanks.content).toBe(CSAT_THANKS.en);
      expect(
        sim()
          .sent('telegram', botId)
          .some((c) => c.body.text === CSAT_THANKS.en && String(c.body.chat_id) === String(customer.id)),
      ).toBe(true);
      const cycles = await cyclesOf(id);

      const comment = await writes(customer, '  Quick and friendly, thank you!  ');
      await eventually(
        async () => expect((await ratingOf(id))[0].comment).toBe('Quick and friendly, thank you!'),
        10000,
      );
      // Telegram delivering the same update again changes nothing.
      expect(await sim().postTelegramUpdate(botId, comment)).toBe(200);
      expect(await statusOf(id)).toBe('resolved');
      const rows = await history(id);
      expect(rows.filter((m) => m.type === 'customer')).toHaveLength(1);
      expect(rows.filter((m) => m.content === 'Quick and friendly, thank you!')).toEqual([
        expect.objectContaining({ type: 'system', sender: expect.objectContaining({ kind: 'contact' }) }),
      ]);
      expect(await cyclesOf(id)).toBe(cycles);
      const [conversation] = await api.db.query(
        `SELECT sla_first_response_due_at FROM conversation WHERE id = $1`,
        [id],
      );
      expect(conversation.sla_first_response_due_at).toBeNull();

      // One comment per rating: the next text is a customer's message again, and reopens.
      await writes(customer, 'Actually, one more question');
      await eventually(async () => expect(await statusOf(id)).toBe('open'), 10000);
      expect((await ratingOf(id))[0]).toMatchObject({ score: 5, comment: 'Quick and friendly, thank you!' });
      expect((await history(id)).filter((m) => m.type === 'customer')).toHaveLength(2);

      const report = await a.http.get('/api/v1/reports/csat');
      expect(report.body.comments).toEqual([
        expect.objectContaining({
          conversation_id: id,
          score: 5,
          comment: 'Quick and friendly, thank you!',
          channel_name: 'Shop bot',
          channel_type: 'telegram',
        }),
      ]);
      expect((await b.http.get('/api/v1/reports/csat')).body.comments).toEqual([]);
      const csv = await a.http.get('/api/v1/reports/csat?format=csv');
      expect(csv.body as string).toContain('Quick and friendly, thank you!');
    });

    it('a text after the comment window is an ordinary message: it reopens and is no comment', async () => {
      const customer = { id: 8402, first_name: 'Reza' };
      const id = await ratedCustomer(customer, '2 ⭐');
      await automaticSent(id, 'csat_thanks');
      setClocks(new Date(Date.now() + 11 * 60_000));
      await writes(customer, 'Still waiting for the refund');
      await eventually(async () => expect(await statusOf(id)).toBe('open'), 10000);
      expect((await ratingOf(id))[0]).toMatchObject({ score: 2, comment: null });
    });

    it('a comment written just after closing time gets no out-of-hours reply; the text after it does, and reopens', async () => {
      expect(
        (
          await a.http.put('/api/v1/business-hours', {
            enabled: true,
            time_zone: 'UTC',
            intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })),
            holidays: [],
            out_of_hours_replies: [{ channel_id: null, enabled: true, texts: { en: 'We are closed now.' } }],
          })
        ).status,
      ).toBe(200);
      try {
        // Monday 2026-12-07: rated at 16:56 UTC, while open.
        setClocks(new Date('2026-12-07T16:55:00Z'));
        const customer = { id: 8405, first_name: 'Nima' };
        const id = await ratedCustomer(customer, '3 ⭐');
        await automaticSent(id, 'csat_thanks');
        setClocks(new Date('2026-12-07T17:01:00Z'));
        await writes(customer, 'Good, but slow');
        await eventually(async () => expect((await ratingOf(id))[0].comment).toBe('Good, but slow'), 10000);
        await caughtUp('auto-replies');
        const outOfHours = async () =>
          (await history(id)).filter((m) => m.sender?.kind === 'automatic' && m.sender.id === 'out_of_hours');
        expect(await outOfHours()).toEqual([]);
        setClocks(new Date('2026-12-07T17:02:00Z'));
        await writes(customer, 'Where is the invoice?');
        await eventually(async () => expect(await outOfHours()).toHaveLength(1), 15000);
        expect(await statusOf(id)).toBe('open');
      } finally {
        setClocks(null);
        await a.http.put('/api/v1/business-hours', {
          enabled: false,
          time_zone: 'UTC',
          intervals: [],
          holidays: [],
          out_of_hours_replies: [],
        });
      }
    });

    it('a press of another customer’s rating request, or of a request that never was, records nothing', async () => {
      const owner = { id: 8403, first_name: 'Mina' };
      const id = await ratedCustomer(owner, '4 ⭐');
      const [{ request_id: requestId }] = await ratingOf(id);
      const stranger = { id: 8404, first_name: 'Omid' };
      await writes(stranger, 'hello');
      const strangerConversation = await conversationOn(channel.id, String(stranger.id));
      for (const [i, data] of [
        `csat:${requestId}:1`,
        'csat:00000000-0000-4000-8000-000000000000:1',
      ].entries()) {
        const press = sim().telegramPressUpdate(
          `${Date.now()}${i}`,
          stranger,
          { message_id: 1, chat: { id: stranger.id, type: 'private' } },
          data,
        );
        expect(await sim().postTelegramUpdate(botId, press)).toBe(200);
      }
      await eventually(
        async () =>
          expect((await history(strangerConversation)).filter((m) => m.type === 'customer')).toHaveLength(3),
        10000,
      );
      expect((await ratingOf(id))[0]).toMatchObject({ score: 4 });
      expect(await ratingOf(strangerConversation)).toEqual([]);
    });
  });

  it('Instagram: the rating request goes out as quick replies in the customer’s language; a tap delivered twice is one score, the comment follows, the report shows it', async () => {
    const account = sim().newInstagramAccount();
    const channel = await api.get(ChannelService).create(a.workspaceId, {
      type: 'instagram',
      name: 'Shop IG',
      ig_user_id: account.igUserId,
      access_token: account.accessToken,
    });
    await enableCsat(channel.id);
    const customer = `ig-csat-${Date.now()}`;
    sim().setInstagramProfile(customer, { name: 'Ali', username: 'ali' });
    expect(
      await sim().postInstagramWebhook(
        sim().instagramMessage(account.igUserId, customer, { text: 'سلام، سفارشم کی می‌رسد؟' }),
      ),
    ).toBe(200);
    const id = await conversationOn(channel.id, customer);
    await answerAndResolve(id, 'فردا می‌رسد.');

    let quickReplies: { content_type: string; title: string; payload: string }[] = [];
    await eventually(() => {
      const call = sim()
        .sent('instagram', account.igUserId)
        .find((c) => (c.body.message as { text?: string } | undefined)?.text === CSAT_QUESTION.fa);
      expect(call?.body.recipient).toEqual({ id: customer });
      quickReplies = (call!.body.message as { quick_replies: typeof quickReplies }).quick_replies;
    }, 15000);
    const [{ request_id: requestId }] = await ratingOf(id);
    expect(quickReplies).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({
        content_type: 'text',
        title: `${n} ⭐`,
        payload: `csat:${requestId}:${n}`,
      })),
    );

    // The customer taps eight days after their last text (past even the HUMAN_AGENT tag's 7 days): the tap opens Instagram's 24-hour window again.
    await api.db.query(
      `UPDATE conversation SET last_customer_message_at = now() - interval '8 days' WHERE id = $1`,
      [id],
    );
    // Meta's webhook for a tapped quick reply: the title as text, our payload in quick_reply.
    const tap = sim().instagramQuickReply(account.igUserId, customer, '4 ⭐', quickReplies[3].payload);
    expect(await sim().postInstagramWebhook(tap)).toBe(200);
    expect(await sim().postInstagramWebhook(tap)).toBe(200);
    await eventually(async () => expect((await ratingOf(id))[0].score).toBe(4), 10000);
    const thanks = await automaticSent(id, 'csat_thanks');
    expect(thanks.content).toBe(CSAT_THANKS.fa);
    expect(
      sim()
        .sent('instagram', account.igUserId)
        .some((c) => (c.body.message as { text?: string } | undefined)?.text === CSAT_THANKS.fa),
    ).toBe(true);
    expect((await history(id)).filter((m) => m.type === 'system' && m.content === '4/5')).toHaveLength(1);
    expect(await statusOf(id)).toBe('resolved');

    expect(
      await sim().postInstagramWebhook(
        sim().instagramMessage(account.igUserId, customer, { text: 'عالی بود، ممنون' }),
      ),
    ).toBe(200);
    await eventually(async () => expect((await ratingOf(id))[0].comment).toBe('عالی بود، ممنون'), 10000);
    expect(await statusOf(id)).toBe('resolved');

    const report = await a.http.get(`/api/v1/reports/csat?channel_id=${channel.id}`);
    expect(report.body.csat).toMatchObject({ count: 1, average: 4, distribution: { '4': 1 } });
    expect(report.body.comments).toEqual([
      expect.objectContaining({
        conversation_id: id,
        score: 4,
        comment: 'عالی بود، ممنون',
        channel_type: 'instagram',
      }),
    ]);
  });

  it('Divar: the rating request goes out as open_server_link buttons in Persian; a press (and Divar’s retry) is one score, the comment follows', async () => {
    const divar = sim().divar;
    const app = divar.newApp();
    const created = await a.http.post('/api/v1/channels', {
      type: 'divar',
      name: 'Divar chat',
      app_slug: app.slug,
      api_key: app.apiKey,
      identification_key: app.identificationKey,
      client_secret: app.clientSecret,
    });
    expect(created.status).toBe(201);
    const channelId = created.body.id as string;
    divar.setEventsUrl(app.slug, `${environment.env.PUBLIC_URL}/webhooks/divar/${channelId}`);
    const start = await a.http.get(`/api/v1/channels/${channelId}/divar/authorize`);
    const consent = await fetch(start.body.url as string, { redirect: 'manual' });
    await (await fetch(consent.headers.get('location')!, { redirect: 'manual' })).arrayBuffer();
    await eventually(
      async () => expect((await a.http.get(`/api/v1/channels/${channelId}`)).body.status).toBe('active'),
      10000,
    );
    await enableCsat(channelId);

    const chat = `csat-chat-${Date.now()}`;
    expect(
      await divar.postEvent(
        app.slug,
        divar.chatbotMessage(chat, { type: 'TEXT', text: 'سلام، این آگهی هنوز هست؟' }),
      ),
    ).toBe(200);
    const id = await conversationOn(channelId, `bot:${chat}`);
    await answerAndResolve(id, 'بله، هست.');

    type DivarButton = { action: { open_server_link: { data: string } }; caption: string };
    let rows: { buttons: DivarButton[] }[] = [];
    await eventually(() => {
      const call = divar.sent('bot_send', chat).find((c) => c.body.text_message === CSAT_QUESTION.fa);
      rows = (call?.body.buttons as { rows: typeof rows }).rows;
      expect(rows).toBeDefined();
    }, 15000);
    const [{ request_id: requestId }] = await ratingOf(id);
    expect(rows.map((r) => r.buttons.map((button) => button.caption))).toEqual([
      ['1 ⭐', '2 ⭐', '3 ⭐'],
      ['4 ⭐', '5 ⭐'],
    ]);
    expect(JSON.parse(rows[0].buttons[2].action.open_server_link.data)).toEqual({
      parley_payload: `csat:${requestId}:3`,
      caption: '3 ⭐',
    });
    const sessionUrl = `${environment.env.PUBLIC_URL}/webhooks/divar/${channelId}/session`;
    const data = rows[0].buttons[2].action.open_server_link.data;
    // Divar names no press id: its retry is the same press, within Parley's 30-second bucket or past it.
    for (const shift of [0, 0, 30_000]) {
      const now = Date.now() + shift;
      if (shift) jest.spyOn(Date, 'now').mockReturnValue(now);
      const press = await divar.pressServerLink(app.slug, sessionUrl, { conversationId: chat, data });
      jest.restoreAllMocks();
      expect(press.status).toBe(200);
      expect(typeof press.body.url).toBe('string');
    }
    await eventually(async () => expect((await ratingOf(id))[0].score).toBe(3), 10000);
    await automaticSent(id, 'csat_thanks');
    expect(divar.sent('bot_send', chat).some((c) => c.body.text_message === CSAT_THANKS.fa)).toBe(true);
    expect((await history(id)).filter((m) => m.type === 'system' && m.content === '3/5')).toHaveLength(1);
    expect(await statusOf(id)).toBe('resolved');

    expect(
      await divar.postEvent(app.slug, divar.chatbotMessage(chat, { type: 'TEXT', text: 'پاسخ سریع بود' })),
    ).toBe(200);
    await eventually(async () => expect((await ratingOf(id))[0].comment).toBe('پاسخ سریع بود'), 10000);
    expect(await statusOf(id)).toBe('resolved');
    const report = await a.http.get(`/api/v1/reports/csat?channel_id=${channelId}`);
    expect(report.body.csat).toMatchObject({ count: 1, average: 3 });
    expect(report.body.comments[0]).toMatchObject({
      comment: 'پاسخ سریع بود',
      channel_type: 'divar',
      score: 3,
    });
  });

  describe('the widget’s comment box', () => {
    let web = '';
    const visitorOf = async (language = 'en') => {
      const started = await new HttpClient(api.url).post(`/widget/v1/channels/${web}/sessions`, {
        origin: 'https://shop.example',
        language,
      });
      expect(started.status).toBe(200);
      return new HttpClient(api.url, { token: started.body.visitor_token });
    };
    /** A visitor who wrote, was answered and resolved, and pressed star `score`; answers the request id. */
    const ratedVisitor = async (visitor: HttpClient, score: number) => {
      const sent = await visitor.post('/widget/v1/messages', { content: 'Is it in stock?' });
      expect(sent.status).toBe(201);
      const [{ conversation_id: id }] = await api.db.query(
        `SELECT conversation_id FROM message WHERE id = $1`,
        [sent.body.id],
      );
      await answerAndResolve(id, 'Yes, it is.');
      let star: { caption: string; payload: string } | undefined;
      await eventually(async () => {
        const page = await visitor.get('/widget/v1/messages');
        star = page.body.messages.find((m: { buttons?: unknown }) => m.buttons)?.buttons.flat()[score - 1];
        expect(star).toBeDefined();
      }, 15000);
      expect(
        (await visitor.post('/widget/v1/messages', { content: star!.caption, button_payload: star!.payload }))
          .status,
      ).toBe(201);
      return { id: id as string, requestId: star!.payload.split(':')[1] };
    };

    beforeAll(async () => {
      const created = await a.http.post('/api/v1/channels', {
        type: 'web',
        name: 'Site',
        allowed_origins: ['https://shop.example'],
      });
      expect(created.status).toBe(201);
      web = created.body.id;
      await enableCsat(web);
    });

    it('takes one comment of the visitor’s own rating; another visitor’s or workspace’s request is 404, an over-long or empty one a stable code, nothing written', async () => {
      const visitor = await visitorOf('fa');
      const { id, requestId } = await ratedVisitor(visitor, 4);
      const comment = (client: HttpClient, text: string, request = requestId) =>
        client.post(`/widget/v1/ratings/${request}/comment`, { comment: text });

      const stranger = await visitorOf();
      expect((await comment(stranger, 'not mine')).status).toBe(404);
      const otherWorkspace = await b.http.post('/api/v1/channels', {
        type: 'web',
        name: 'Other site',
        allowed_origins: ['https://other.example'],
      });
      const outsider = new HttpClient(api.url, {
        token: (
          await new HttpClient(api.url).post(`/widget/v1/channels/${otherWorkspace.body.id}/sessions`, {
            origin: 'https://other.example',
          })
        ).body.visitor_token,
      });
      expect((await comment(outsider, 'not mine either')).status).toBe(404);
      expect((await comment(visitor, 'x', 'not-a-uuid')).status).toBe(404);

      const long = await comment(visitor, 'ا'.repeat(1001));
      expect(long.status).toBe(400);
      expect(long.body.code).toBe('csat_comment_too_long');
      const blank = await comment(visitor, ' \u0000 ');
      expect(blank.status).toBe(400);
      expect(blank.body.code).toBe('csat_comment_empty');
      expect((await ratingOf(id))[0].comment).toBeNull();

      const ok = await comment(visitor, '-خیلی\u0007 خوب بود');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ request_id: requestId, comment: '-خیلی خوب بود' });
      expect((await ratingOf(id))[0]).toMatchObject({ score: 4, comment: '-خیلی خوب بود' });
      const again = await comment(visitor, 'changed my mind');
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('csat_comment_taken');
      expect((await ratingOf(id))[0].comment).toBe('-خیلی خوب بود');
      // In the CSV export a comment cannot become a spreadsheet formula.
      const csv = (await a.http.get(`/api/v1/reports/csat?format=csv&channel_id=${web}`)).body as string;
      expect(csv.split('\n')[1].endsWith(",4,'-خیلی خوب بود")).toBe(true);
      expect(await statusOf(id)).toBe('resolved');
      // The widget asks in its box: no thanks message goes to the chat, and its chat messages stay messages.
      expect((await history(id)).some((m) => m.sender?.id === 'csat_thanks')).toBe(false);
    });

    it('after the window the box is closed (410); the visitor’s chat message is an ordinary one and reopens', async () => {
      const visitor = await visitorOf();
      const { id, requestId } = await ratedVisitor(visitor, 2);
      expect((await visitor.post('/widget/v1/messages', { content: 'One more thing' })).status).toBe(201);
      await eventually(async () => expect(await statusOf(id)).toBe('open'), 10000);
      setClocks(new Date(Date.now() + 11 * 60_000));
      const late = await visitor.post(`/widget/v1/ratings/${requestId}/comment`, { comment: 'late words' });
      expect(late.status).toBe(410);
      expect(late.body.code).toBe('csat_comment_closed');
      expect((await ratingOf(id))[0].comment).toBeNull();
    });
  });
});
