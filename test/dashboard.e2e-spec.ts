import { Client } from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';
import { SAMPLE_JPEG } from '../tools/simulator/samples';

/**
 * The dashboard in a real chromium against real api, ingest and worker processes and the
 * platform simulator: what an agent sees, live, with no reload.
 */
describe('the dashboard in a browser', () => {
  let stack: Stack;
  let admin: { id: string; email: string; password: string; token: string };
  let agent: { id: string; email: string; password: string; name: string };
  let botId: string;
  let ig: { igUserId: string; accessToken: string };
  const contexts: BrowserContext[] = [];
  /** Every URL the pages of the current test asked for (their REST, media and asset requests). */
  let requested: string[] = [];
  const sim = () => stack.environment.simulator;

  const open = async (
    who: { email: string; password: string },
    viewport?: { width: number; height: number },
  ) => {
    const session = await signIn(stack, who, viewport);
    contexts.push(session.context);
    session.page.on('request', (request) => requested.push(request.url()));
    return session.page;
  };
  /** The page loaded media through signed links, and no request of it carried an access token in its URL. */
  const expectSignedMediaOnly = () => {
    expect(
      requested.filter((url) => new URL(url).pathname.startsWith('/api/v1/media/')).length,
    ).toBeGreaterThan(0);
    expect(requested.filter((url) => /[?&]token=/.test(url))).toEqual([]);
  };

  const telegramCustomer = (id: number, name: string, extra: Record<string, unknown>) =>
    sim().postTelegramUpdate(botId, sim().telegramMessage(botId, { id, first_name: name }, extra));

  const item = (page: Page, name: string) =>
    page.getByTestId('conversation-item').filter({ has: page.getByText(name, { exact: true }) });
  const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });

  const openConversation = async (page: Page, name: string) => {
    await item(page, name).click();
    await page
      .getByTestId('conversation')
      .locator('h2')
      .filter({ hasText: new RegExp(`(^|\\s)${name}$`) })
      .waitFor();
  };

  beforeAll(async () => {
    // The default threshold: the burst below comes from a forwarded client IP, never the browser's own.
    stack = await startStack({ AUTH_FAILURES_BEFORE_BLOCK: '5' });
    const password = 'correct horse battery staple';
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Support',
      name: 'Sara Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = {
      id: signup.body.agent.id,
      email: signup.body.agent.email,
      password,
      token: signup.body.access_token,
    };
    const http = stack.http.as(admin.token);
    const agentEmail = `agent-${Date.now()}@example.test`;
    const invite = await http.post('/api/v1/agents', {
      name: 'Omid Agent',
      email: agentEmail,
      role: 'agent',
    });
    const accepted = await new HttpClient(stack.apiUrl).post('/api/v1/auth/accept-invite', {
      invite_token: invite.body.invite_token,
      password,
    });
    agent = { id: accepted.body.agent.id, email: agentEmail, password, name: 'Omid Agent' };
    const botToken = sim().newBotToken();
    botId = botToken.split(':')[0];
    expect(
      (await http.post('/api/v1/channels', { type: 'telegram', name: 'Support bot', bot_token: botToken }))
        .status,
    ).toBe(201);
    ig = sim().newInstagramAccount();
    expect(
      (
        await http.post('/api/v1/channels', {
          type: 'instagram',
          name: 'Acme on Instagram',
          ig_user_id: ig.igUserId,
          access_token: ig.accessToken,
        })
      ).status,
    ).toBe(201);
  }, 60000);

  /** The sockets the agent holds now, on every api instance. */
  const socketsOfAgent = async () =>
    (await stack.http.as(admin.token).get(`/api/v1/admin/security/ws-stats/${agent.id}`)).body
      .connections as number;

  // An agent may hold 5 sockets at once; each page holds 3, so every test closes its pages, and the
  // next starts once the server has let go of their sockets (a loaded machine takes a moment).
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    requested = [];
    if (agent) await eventually(async () => expect(await socketsOfAgent()).toBe(0), 10000);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('shows a customer message from the simulator without reload, and moves the unread badge', async () => {
    const page = await open(admin);
    await page.getByText('No conversations here yet.').waitFor();
    expect(await telegramCustomer(7001, 'Leila', { text: 'Hello, my order is late' })).toBe(200);
    const row = item(page, 'Leila');
    await row.getByText('Hello, my order is late').waitFor();
    await expect(row.getByTestId('unread').textContent()).resolves.toBe('1');
    expect(await row.locator('[data-channel="telegram"]').count()).toBe(1);

    await telegramCustomer(7001, 'Leila', { text: 'Order #5521' });
    await row.getByText('Order #5521').waitFor();
    await row.getByTestId('unread').filter({ hasText: '2' }).waitFor();

    // Opening it reads it: the badge goes.
    await openConversation(page, 'Leila');
    await bubble(page, 'Order #5521').waitFor();
    await row.getByTestId('unread').waitFor({ state: 'detached' });
  }, 60000);

  it('lets two agents see each other’s replies, typing and presence live', async () => {
    const a = await open(admin);
    const b = await open(agent);
    await openConversation(a, 'Leila');
    await openConversation(b, 'Leila');

    // Presence: each sees the other online.
    await b.locator(`[data-testid="presence"][data-agent="${admin.id}"][data-status="online"]`).waitFor();
    await a.locator(`[data-testid="presence"][data-agent="${agent.id}"][data-status="online"]`).waitFor();

    // Typing, both ways.
    await a.getByTestId('composer-input').pressSequentially('We are', { delay: 20 });
    await b.getByTestId('typing').filter({ hasText: 'Sara Admin is typing…' }).waitFor();
    await b.getByTestId('composer-input').pressSequentially('Hi', { delay: 20 });
    await a.getByTestId('typing').filter({ hasText: 'Omid Agent is typing…' }).waitFor();

    // Replies, both ways, with the ticks reaching sent.
    await a.getByTestId('composer-input').fill('We are checking your order now');
    await a.getByTestId('send').click();
    await bubble(b, 'We are checking your order now').waitFor();
    await a
      .locator('[data-testid="message"][data-status="sent"]')
      .filter({ hasText: 'We are checking' })
      .waitFor();
    await b.getByTestId('composer-input').fill('I will take it from here, Leila');
    await b.keyboard.press('Enter');
    await bubble(a, 'I will take it from here, Leila').waitFor();
    await b
      .locator('[data-testid="message"][data-status="sent"]')
      .filter({ hasText: 'I will take it' })
      .waitFor();
    await b.getByTestId('typing').filter({ hasText: /^$/ }).waitFor();
    expect(
      sim()
        .sent('telegram', botId)
        .map((c) => c.body.text),
    ).toEqual(expect.arrayContaining(['We are checking your order now', 'I will take it from here, Leila']));

    // Availability: away shows as away to the others.
    await b.getByTestId('availability').selectOption('away');
    await a.locator(`[data-testid="presence"][data-agent="${agent.id}"][data-status="away"]`).waitFor();

    // The other agent leaves: presence goes offline with a last-seen time.
    await b.context().close();
    await a.locator(`[data-testid="presence"][data-agent="${agent.id}"][data-status="offline"]`).waitFor();
  }, 60000);

  it('shows a reply sent, then read after Instagram’s seen', async () => {
    const page = await open(admin);
    const igsid = `6${Date.now()}`;
    sim().setInstagramProfile(igsid, { name: 'Reza Karimi', username: 'reza.k' });
    await sim().postInstagramWebhook(
      sim().instagramMessage(ig.igUserId, igsid, { text: 'سلام، سفارشم کجاست؟' }),
    );
    await item(page, 'Reza Karimi').waitFor();
    await openConversation(page, 'Reza Karimi');
    await page.getByTestId('ig-window').filter({ hasText: 'left to reply' }).waitFor();
    // Persian text lays itself out right to left even in the English dashboard.
    await expect(bubble(page, 'سلام').getByTestId('content').getAttribute('dir')).resolves.toBe('auto');

    await page.getByTestId('composer-input').fill('Your parcel left the warehouse today');
    await page.getByTestId('send').click();
    const reply = page.locator('[data-testid="message"]').filter({ hasText: 'Your parcel left' });
    await reply.and(page.locator('[data-status="sent"]')).waitFor();

    const db = new Client({ connectionString: stack.environment.env.DATABASE_URL });
    await db.connect();
    const [{ external_id: mid }] = (
      await db.query(`SELECT external_id FROM message WHERE content = $1`, [
        'Your parcel left the warehouse today',
      ])
    ).rows;
    await db.end();
    await sim().postInstagramWebhook(
      sim().instagramEvent(ig.igUserId, {
        sender: { id: igsid },
        recipient: { id: ig.igUserId },
        read: { mid },
      }),
    );
    await reply.and(page.locator('[data-status="read"]')).waitFor();
  }, 60000);

  it('shows a failed send with the platform’s reason, and retries it', async () => {
    const page = await open(admin);
    await telegramCustomer(7002, 'Nadia', { text: 'Can you call me?' });
    await openConversation(page, 'Nadia');
    sim().inject({
      platform: 'telegram',
      method: 'sendMessage',
      times: 1,
      status: 400,
      description: 'Bad Request: message text is empty or invalid',
    });
    await page.getByTestId('composer-input').fill('We will call you at five');
    await page.getByTestId('send').click();
    const reply = bubble(page, 'We will call you at five');
    await reply.and(page.locator('[data-status="failed"]')).waitFor();
    await expect(reply.getByTestId('failure-reason').textContent()).resolves.toMatch(
      /message text is empty or invalid/,
    );
    await reply.getByTestId('retry').click();
    await reply.and(page.locator('[data-status="sent"]')).waitFor();
  }, 60000);

  it('plays a customer’s voice note with a moving progress bar', async () => {
    const page = await open(admin);
    await telegramCustomer(7003, 'Karim', sim().voiceFields());
    await openConversation(page, 'Karim');
    const toggle = page.getByTestId('voice-toggle');
    await toggle.waitFor();
    await toggle.click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    const progress = page.getByTestId('voice-progress');
    await page.waitForFunction(
      (el) =>
        Number(el?.getAttribute('data-position')) > 0.2 && Number(el?.getAttribute('aria-valuemax')) > 0,
      await progress.elementHandle(),
    );
    const width = await progress.locator('.progress-fill').evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(0);
    expectSignedMediaOnly();
    await screenshot(page, 'inbox-en');
  }, 60000);

  it('asks for a new media link when one fails to load (as an expired link does)', async () => {
    const page = await open(admin);
    // The first load of any media link fails as an expired one would: 404.
    let failed = 0;
    await page.route('**/api/v1/media/**', (route) =>
      failed++ === 0
        ? route.fulfill({ status: 404, contentType: 'application/json', body: '{"code":"not_found"}' })
        : route.continue(),
    );
    await telegramCustomer(7010, 'Mina', sim().photoFields('my receipt'));
    await openConversation(page, 'Mina');
    const preview = bubble(page, 'my receipt').getByTestId('image-preview');
    await eventually(async () => {
      expect(
        await preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
    }, 15000);
    expect(failed).toBeGreaterThanOrEqual(2);
    expect(requested.filter((url) => /\/attachments\/0\/link$/.test(url)).length).toBeGreaterThanOrEqual(2);
    expectSignedMediaOnly();
  }, 60000);

  it('flips the whole layout right-to-left in Persian', async () => {
    const page = await open(admin);
    await openConversation(page, 'Leila');
    await page.getByTestId('language').selectOption('fa');
    const html = page.locator('html');
    await expect(html.getAttribute('dir')).resolves.toBe('rtl');
    await expect(html.getAttribute('lang')).resolves.toBe('fa');
    await page.getByRole('link', { name: 'صندوق' }).waitFor();
    const list = await page.locator('.list-pane').boundingBox();
    const conversation = await page.getByTestId('conversation').boundingBox();
    expect(list!.x).toBeGreaterThan(conversation!.x); // the list moved to the right
    await expect(page.getByTestId('composer-input').getAttribute('placeholder')).resolves.toBe(
      'پاسخی بنویسید…',
    );
    await screenshot(page, 'conversation-fa');
    await openConversation(page, 'Reza Karimi');
    await screenshot(page, 'inbox-fa');
    // The choice survives a reload.
    await page.reload();
    await expect(page.locator('html').getAttribute('dir')).resolves.toBe('rtl');
    // Arabic too.
    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('link', { name: 'صندوق الوارد' }).waitFor();
    await expect(html.getAttribute('dir')).resolves.toBe('rtl');
    await expect(html.getAttribute('lang')).resolves.toBe('ar');
    await page.getByTestId('language').selectOption('en');
    await expect(html.getAttribute('dir')).resolves.toBe('ltr');
  }, 60000);

  it('shows a burst of failed logins on the security page, and unblocks the IP it blacklisted', async () => {
    const page = await open(admin);
    const attacker = { headers: { 'x-forwarded-for': '203.0.113.50' } }; // through a trusted local proxy
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await stack.http.post(
        '/api/v1/auth/login',
        { email: agent.email, password: `wrong ${i}` },
        attacker,
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 403]);
    await page.getByTestId('nav-security').click();
    const card = page.getByTestId('stat-failedLogins').locator('.stat-value');
    await card.waitFor();
    expect(Number(await card.getAttribute('data-value'))).toBeGreaterThanOrEqual(5);
    expect(
      await page.locator('[data-testid="chart"] rect[data-kind="failedLogins"]').count(),
    ).toBeGreaterThan(0);
    const blocked = page.getByTestId('blacklist').getByRole('row').filter({ hasText: '203.0.113.50' });
    await blocked.waitFor();
    await page.getByTestId('ws-stats').getByText('Sara Admin').waitFor();
    await page.getByRole('combobox', { name: 'Choose an agent' }).selectOption({ label: 'Omid Agent' });
    await page.locator('.facts').getByText('Security events').waitFor();
    await screenshot(page, 'security-en');
    await page.getByTestId('language').selectOption('fa');
    await page.getByRole('heading', { name: 'امنیت' }).waitFor();
    await screenshot(page, 'security-fa');

    await blocked.getByRole('button', { name: 'رفع انسداد' }).click();
    await blocked.waitFor({ state: 'detached' });
    const again = await stack.http.post(
      '/api/v1/auth/login',
      { email: agent.email, password: agent.password },
      attacker,
    );
    expect(again.status).toBe(200);
  }, 60000);

  it('lets an admin block a spam pattern from the security page, and flags the next customer message matching it', async () => {
    const page = await open(admin);
    await page.getByTestId('nav-security').click();
    const form = page.getByTestId('policy');
    const perMinute = form.getByLabel('Messages per agent per minute');
    await perMinute.waitFor();
    const defaults = (await stack.http.as(admin.token).get('/api/v1/admin/security/policy')).body.defaults;
    // Not overridden: the field is empty, the server default its placeholder.
    expect(await perMinute.inputValue()).toBe('');
    expect(await perMinute.getAttribute('placeholder')).toBe(String(defaults.messages_per_minute));
    const patterns = form.getByLabel('Blocked patterns (one regular expression per line)');
    // A backreference: RE2, which runs the patterns, cannot; the refusal names the pattern.
    await patterns.fill('(a)\\1');
    await form.getByRole('button', { name: 'Save' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: '"(a)\\1" cannot be used as a regular expression' })
      .waitFor();

    await patterns.fill('free\\s+crypto\n  \nتخفیف\\s+ویژه');
    await perMinute.fill('30');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.reload();
    await expect(form.getByLabel('Messages per agent per minute').inputValue()).resolves.toBe('30');
    await expect(
      form.getByLabel('Blocked patterns (one regular expression per line)').inputValue(),
    ).resolves.toBe('free\\s+crypto\nتخفیف\\s+ویژه');
    const policy = await stack.http.as(admin.token).get('/api/v1/admin/security/policy');
    expect(policy.body).toMatchObject({ messages_per_minute: 30, spam: { max_links: 5 } });

    // Other processes read the policy through a 5-second cache.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    await telegramCustomer(7008, 'Pari', { text: 'Win FREE  crypto today' });
    await page.getByTestId('nav-inbox').click();
    await openConversation(page, 'Pari');
    await bubble(page, 'Win FREE  crypto today').getByRole('note').waitFor();

    await page.getByTestId('nav-security').click();
    await form.getByLabel('Messages per agent per minute').fill('');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').waitFor();
    const restored = await stack.http.as(admin.token).get('/api/v1/admin/security/policy');
    expect(restored.body.messages_per_minute).toBe(defaults.messages_per_minute);
    // Each change is on the admin's record, named in the page's language.
    await page.getByRole('combobox', { name: 'Choose an agent' }).selectOption({ label: 'Sara Admin' });
    await page.locator('.events [data-kind="policy_changed"]').first().waitFor();
    expect(await page.locator('.events [data-kind="policy_changed"]').first().textContent()).toBe(
      'Limits changed',
    );

    // The two switches: shown as the server has them, saved as overrides, back to the default when
    // set as the default is, and labelled in every language.
    const spamSwitch = form.getByRole('checkbox', { name: /^Spam detection/ });
    const rateSwitch = form.getByRole('checkbox', { name: /^Rate limiting/ });
    expect([await spamSwitch.isChecked(), await rateSwitch.isChecked()]).toEqual([
      defaults.spam_detection,
      defaults.rate_limiting,
    ]);
    await spamSwitch.setChecked(!defaults.spam_detection);
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const switched = await stack.http.as(admin.token).get('/api/v1/admin/security/policy');
    expect(switched.body).toMatchObject({
      spam_detection: !defaults.spam_detection,
      rate_limiting: defaults.rate_limiting,
    });
    await page.reload();
    await expect(form.getByRole('checkbox', { name: /^Spam detection/ }).isChecked()).resolves.toBe(
      !defaults.spam_detection,
    );
    await page.getByTestId('language').selectOption('fa');
    await form.getByRole('checkbox', { name: /^تشخیص هرزنامه/ }).waitFor();
    await form.getByRole('checkbox', { name: /^محدودیت نرخ/ }).waitFor();
    await page.getByTestId('language').selectOption('ar');
    await form.getByRole('checkbox', { name: /^كشف الرسائل المزعجة/ }).setChecked(defaults.spam_detection);
    await form.getByRole('checkbox', { name: /^تحديد المعدل/ }).waitFor();
    await form.getByRole('button', { name: 'حفظ' }).click();
    await form.getByRole('status').waitFor();
    await page.getByTestId('language').selectOption('en');
    const back = await stack.http.as(admin.token).get('/api/v1/admin/security/policy');
    expect(back.body.spam_detection).toBe(defaults.spam_detection);
    const db = new Client({ connectionString: stack.environment.env.DATABASE_URL });
    await db.connect();
    const [latest] = (
      await db.query(
        `SELECT detail FROM security_event WHERE kind = 'policy_changed' AND agent_id = $1 ORDER BY id DESC LIMIT 1`,
        [admin.id],
      )
    ).rows;
    await db.end();
    expect(latest.detail).toMatchObject({
      spam_detection: null,
      changes: { spam_detection: { from: !defaults.spam_detection, to: defaults.spam_detection } },
    });
  }, 60000);

  it('reconnects after the api dies, with a banner meanwhile, and shows every missed message once', async () => {
    const page = await open(admin);
    await telegramCustomer(7004, 'Maryam', { text: 'Before the outage' });
    await openConversation(page, 'Maryam');
    await bubble(page, 'Before the outage').waitFor();

    await stack.restartApi(async () => {
      await page.getByTestId('reconnecting').filter({ hasText: 'Reconnecting…' }).waitFor();
      // Ingest and worker are up: the customer goes on writing while the agent's api is gone.
      await telegramCustomer(7004, 'Maryam', { text: 'Are you there?' });
      await telegramCustomer(7004, 'Maryam', { text: 'Hello??' });
    });

    await bubble(page, 'Hello??').waitFor({ timeout: 30000 });
    await page.getByTestId('reconnecting').waitFor({ state: 'detached' });
    for (const text of ['Before the outage', 'Are you there?', 'Hello??']) {
      expect(await bubble(page, text).count()).toBe(1);
    }
    await item(page, 'Maryam').getByText('Hello??').waitFor();
    // Still live after the resume, on both sockets.
    await telegramCustomer(7004, 'Maryam', { text: 'Back again' });
    await bubble(page, 'Back again').waitFor();
    await page.getByTestId('composer-input').fill('Sorry, we are here');
    await page.getByTestId('send').click();
    await page
      .locator('[data-testid="message"][data-status="sent"]')
      .filter({ hasText: 'Sorry, we are here' })
      .waitFor();
  }, 90000);

  it('tells an agent of an assignment wherever it is: a toast and a count in the tab title', async () => {
    const http = stack.http.as(admin.token);
    const page = await open(agent);
    await page.goto(`${stack.apiUrl}/#/inbox`);
    // The page's list and notifications sockets are up: an assignment made before would find no one
    // to tell (a page that opens later shows the assignment in its list, not as a toast).
    await eventually(async () => expect(await socketsOfAgent()).toBe(2), 10000);
    const { body } = await http.get('/api/v1/conversations?q=Nadia');
    expect(
      (await http.post(`/api/v1/conversations/${body.data[0].id}/assign`, { agent_id: agent.id })).status,
    ).toBe(200);
    const toast = page.getByTestId('toast').filter({ hasText: 'Assigned to you: Nadia' });
    await toast.waitFor();
    await eventually(async () => expect(await page.title()).toBe('(1) Parley'), 10000);
    // The toast takes the agent to the conversation, and the title count clears.
    await toast.getByRole('button').first().click();
    await page.getByTestId('conversation').locator('h2').filter({ hasText: 'Nadia' }).waitFor();
    await eventually(async () => expect(await page.title()).toBe('Parley'), 10000);
    await page.getByTestId('scope-mine').click();
    await item(page, 'Nadia').waitFor();
    await eventually(async () => expect(await page.getByTestId('conversation-item').count()).toBe(1), 10000);
  }, 60000);

  it('records a voice note (OGG/Opus for Telegram, WAV for Instagram) and sends an image from the browser', async () => {
    const page = await open(admin);
    await openConversation(page, 'Leila');
    const before = sim().sent('telegram', botId).length;
    await page.getByTestId('record').click();
    await page.getByRole('button', { name: 'Stop and send' }).waitFor();
    await page.waitForTimeout(1500);
    await page.getByTestId('record').click();
    const voice = page
      .locator('[data-testid="message"][data-type="support"]')
      .filter({ has: page.getByTestId('voice') });
    await voice.and(page.locator('[data-status="sent"]')).waitFor();
    const sendVoice = sim()
      .sent('telegram', botId)
      .slice(before)
      .find((c) => c.method === 'sendVoice');
    expect(sendVoice?.files[0].bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
    expect(sendVoice?.files[0].bytes.subarray(28, 36).toString('latin1')).toBe('OpusHead');

    // Instagram takes no Opus: in an Instagram conversation the browser records WAV instead.
    await openConversation(page, 'Reza Karimi');
    const igBefore = sim().sent('instagram').length;
    await page.getByTestId('record').click();
    await page.getByRole('button', { name: 'Stop and send' }).waitFor();
    await page.waitForTimeout(1000);
    await page.getByTestId('record').click();
    await voice.and(page.locator('[data-status="sent"]')).waitFor();
    const igVoice = sim()
      .sent('instagram')
      .slice(igBefore)
      .find((c) => c.files.length > 0);
    expect(igVoice?.files[0].mime).toBe('audio/wav');
    expect(igVoice?.files[0].bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(igVoice?.files[0].bytes.subarray(8, 12).toString('latin1')).toBe('WAVE');
    await openConversation(page, 'Leila');

    await page.getByTestId('image-input').setInputFiles({
      name: 'receipt.jpg',
      mimeType: 'image/jpeg',
      buffer: SAMPLE_JPEG,
    });
    const image = page
      .locator('[data-testid="message"][data-type="support"]')
      .filter({ has: page.getByTestId('image-preview') });
    await image.and(page.locator('[data-status="sent"]')).waitFor();
    // The preview really loaded (the api served the stored bytes to the <img>).
    await eventually(async () => {
      const widths = await page
        .getByTestId('image-preview')
        .evaluateAll((images) =>
          images.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        );
      expect(Math.max(0, ...widths)).toBeGreaterThan(0);
    }, 10000);
    expectSignedMediaOnly();
    expect(
      sim()
        .sent('telegram', botId)
        .some((c) => c.method === 'sendPhoto'),
    ).toBe(true);
  }, 60000);

  it('keeps notes private, replies to a message, reacts, edits and deletes', async () => {
    const page = await open(admin);
    await openConversation(page, 'Leila');
    const sentBefore = sim().sent('telegram', botId).length;

    await page.getByLabel('Private note', { exact: true }).check();
    await page.getByTestId('composer-input').fill('Customer is a VIP, be quick');
    await page.getByTestId('send').click();
    const note = page
      .locator('[data-testid="message"][data-type="note"]')
      .filter({ hasText: 'Customer is a VIP' });
    await note.getByText('Private note').waitFor();
    await page.getByLabel('Private note', { exact: true }).uncheck();

    const order = page
      .locator('[data-testid="message"][data-type="customer"]')
      .filter({ hasText: 'Order #5521' });
    await order.hover();
    await order.getByRole('button', { name: 'Reply' }).click();
    await page.getByText('Replying to:').waitFor();
    await page.getByTestId('composer-input').fill('About that order: it ships today');
    await page.getByTestId('send').click();
    const answer = bubble(page, 'About that order');
    await answer.locator('blockquote').filter({ hasText: 'Order #5521' }).waitFor();

    await order.hover();
    await order.getByRole('button', { name: 'React 👍' }).click();
    await order.locator('.reactions').getByRole('button', { name: '👍 1' }).waitFor();

    await note.hover();
    await note.getByRole('button', { name: 'Edit' }).click();
    await note.getByRole('textbox').fill('Customer is a VIP, answer within the hour');
    await note.getByRole('button', { name: 'Save' }).click();
    await bubble(page, 'answer within the hour').getByText('edited').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    const edited = bubble(page, 'answer within the hour');
    await edited.hover();
    await edited.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('This message was deleted.').waitFor();

    await page
      .locator('[data-testid="message"][data-status="sent"]')
      .filter({ hasText: 'About that order' })
      .waitFor();
    const sent = sim()
      .sent('telegram', botId)
      .slice(sentBefore)
      .map((c) => c.body.text);
    expect(sent).toEqual(['About that order: it ships today']); // the note never left Parley
    await page.mouse.move(0, 0);
    await screenshot(page, 'conversation-en');
  }, 60000);

  it('works on a phone-sized screen with the keyboard alone', async () => {
    const page = await open(admin, { width: 390, height: 844 });
    const list = page.locator('.list-pane');
    await list.waitFor();
    expect(await page.getByTestId('conversation').isVisible()).toBe(false);
    await item(page, 'Leila').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('conversation').locator('h2').filter({ hasText: 'Leila' }).waitFor();
    expect(await list.isVisible()).toBe(false);
    await page.getByTestId('composer-input').focus();
    await page.keyboard.type('Typed on a phone');
    await page.keyboard.press('Enter');
    await bubble(page, 'Typed on a phone').waitFor();
    await screenshot(page, 'phone-en');
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await list.waitFor();
  }, 60000);

  it('lets an admin invite an agent, connect a bot, and deactivate the agent, who is signed out at once', async () => {
    const page = await open(admin);
    await page.getByTestId('nav-agents').click();
    const email = `invitee-${Date.now()}@example.test`;
    const form = page.getByRole('form', { name: 'Invite an agent' });
    await form.getByLabel('Name').fill('Hamid Invitee');
    await form.getByLabel('Email').fill(email);
    await form.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByTestId('invite-link').textContent();
    expect(link).toMatch(/#\/accept\//);
    // the answer is {agent, invite_token}: the line names whom to send the link to
    expect(
      await page
        .getByRole('status')
        .filter({ has: page.getByTestId('invite-link') })
        .textContent(),
    ).toContain(`Send this invitation link to ${email}:`);

    const invitee = await stack.browser.newContext();
    contexts.push(invitee);
    const their = await invitee.newPage();
    await their.goto(link!);
    await their.getByLabel('Password').fill('a fresh strong password');
    await their.getByRole('button', { name: 'Sign in' }).click();
    await their.getByTestId('nav-inbox').waitFor();
    expect(await their.getByTestId('nav-security').count()).toBe(0); // agents see no admin pages

    await page.getByTestId('nav-channels').click();
    const bot = page.getByRole('form', { name: 'Connect a Telegram bot' });
    await bot.getByLabel('Name').fill('Second bot');
    await bot.getByLabel('Bot token (from @BotFather)').fill(sim().newBotToken());
    await bot.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('channel-row').filter({ hasText: 'Second bot' }).waitFor();
    const account = sim().newInstagramAccount();
    const insta = page.getByRole('form', { name: 'Connect Instagram' });
    await insta.getByLabel('Name').fill('Second Instagram');
    await insta.getByLabel('Instagram account id').fill(account.igUserId);
    await insta.getByLabel('Page access token').fill(account.accessToken);
    await insta.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('channel-row').filter({ hasText: 'Second Instagram' }).waitFor();
    expect(await page.content()).not.toContain(account.accessToken); // credentials never come back

    await page.getByTestId('nav-agents').click();
    const row = page.getByTestId('agent-row').filter({ hasText: email });
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByText('Deactivated').waitFor();
    await their.getByRole('button', { name: 'Sign in' }).waitFor(); // back at the sign-in form
  }, 60000);

  it('signs up a new workspace, which sees nothing of the others, and signs out', async () => {
    const context = await stack.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('button', { name: 'New here? Create a workspace' }).click();
    await page.getByLabel('Workspace name').fill('Other Shop');
    await page.getByLabel('Your name').fill('Other Admin');
    await page.getByLabel('Email').fill(`other-${Date.now()}@example.test`);
    await page.getByLabel('Password').fill('another strong password');
    await page.getByRole('button', { name: 'Create a workspace' }).click();
    await page.getByText('No conversations here yet.').waitFor();
    // Another workspace's conversation by URL: not found, back to the inbox.
    const { body } = await stack.http.as(admin.token).get('/api/v1/conversations?q=Leila');
    await page.goto(`${stack.apiUrl}/#/inbox/${body.data[0].id}`);
    await eventually(() => expect(new URL(page.url()).hash).toBe('#/inbox'), 10000);
    expect(await page.getByText('Leila').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }, 60000);

  it('changes status and assignee from the conversation, filters by them, and searches', async () => {
    const page = await open(admin);
    await openConversation(page, 'Reza Karimi');
    await page.getByTestId('status-select').selectOption('pending');
    await item(page, 'Reza Karimi').getByText('Pending').waitFor();
    await page.getByTestId('assignee-select').selectOption(agent.id);
    await item(page, 'Reza Karimi').getByText('Omid Agent').waitFor();

    await page.getByTestId('status-filter').selectOption('pending');
    await eventually(async () => expect(await page.getByTestId('conversation-item').count()).toBe(1), 10000);
    await item(page, 'Reza Karimi').waitFor();
    await page.getByTestId('status-filter').selectOption('');
    await page.getByTestId('search').fill('reza.k'); // by username
    await eventually(async () => expect(await page.getByTestId('conversation-item').count()).toBe(1), 10000);
    await page.getByTestId('search').fill('Maryam');
    await item(page, 'Maryam').waitFor();
    await eventually(async () => expect(await page.getByTestId('conversation-item').count()).toBe(1), 10000);
  }, 60000);

  it('loads older history as the agent scrolls up, each message once', async () => {
    const http = stack.http.as(admin.token);
    await telegramCustomer(7005, 'Sina', { text: 'note thread start' });
    let id = '';
    await eventually(async () => {
      const { body } = await http.get('/api/v1/conversations?q=Sina');
      expect(body.data).toHaveLength(1);
      id = body.data[0].id;
    });
    for (let i = 1; i <= 60; i++) {
      const res = await http.post(`/api/v1/message/conversation/${id}/send-message/`, {
        content: `history note ${i}`,
        type: 'note',
      });
      expect(res.status).toBe(201);
    }
    const page = await open(admin);
    await openConversation(page, 'Sina');
    await bubble(page, 'history note 60').waitFor();
    await eventually(async () => expect(await page.getByTestId('message').count()).toBe(50), 10000);
    expect(await bubble(page, 'note thread start').count()).toBe(0);
    await page.getByTestId('messages').evaluate((list) => {
      list.scrollTop = 0;
    });
    await bubble(page, 'note thread start').waitFor();
    expect(await page.getByTestId('message').count()).toBe(61);
    expect(await page.getByTestId('content').getByText('history note 1', { exact: true }).count()).toBe(1);
  }, 60000);

  it('offers teammates to @mention in a note, and the mentioned agent gets a notification', async () => {
    const b = await open(agent);
    const a = await open(admin);
    await openConversation(a, 'Karim');
    await a.getByLabel('Private note', { exact: true }).check();
    await a.getByTestId('composer-input').fill('Voice note for you @Omi');
    await a.getByRole('option').getByRole('button', { name: '@OmidAgent · Omid Agent' }).click();
    await expect(a.getByTestId('composer-input').inputValue()).resolves.toBe(
      'Voice note for you @OmidAgent ',
    );
    await a.getByTestId('composer-input').press('Enter');
    const toast = b.getByTestId('toast').filter({ hasText: 'You were mentioned in a conversation' });
    await toast.waitFor();
    await toast.getByRole('button').first().click();
    await b.getByTestId('conversation').locator('h2').filter({ hasText: 'Karim' }).waitFor();
    await bubble(b, 'Voice note for you @OmidAgent').waitFor();
  }, 60000);

  it('shares the list and notification sockets between an agent’s tabs, so three tabs fit under the cap', async () => {
    const first = await open(agent);
    const tabs = [first, await first.context().newPage(), await first.context().newPage()];
    for (const tab of tabs.slice(1)) await tab.goto(`${stack.apiUrl}/#/inbox`);
    for (const [i, name] of ['Leila', 'Maryam', 'Nadia'].entries()) await openConversation(tabs[i], name);
    // 3 chat sockets + one conversations and one notifications socket for all three tabs: 5, the cap.
    const http = stack.http.as(admin.token);
    await eventually(async () => {
      const stats = await http.get(`/api/v1/admin/security/ws-stats/${agent.id}`);
      expect(stats.body.connections).toBe(5);
    }, 10000);
    // A tab that joined later still knows who is online (relayed by the tab holding the socket).
    await tabs[2].locator(`[data-testid="presence"][data-agent="${admin.id}"]`).waitFor();
    await telegramCustomer(7006, 'Tara', { text: 'Seen in every tab' });
    for (const tab of tabs) await item(tab, 'Tara').getByText('Seen in every tab').waitFor();
    for (const tab of tabs) expect(await tab.getByTestId('reconnecting').count()).toBe(0);

    // The tab holding the shared sockets closes: another takes them over, and the list stays live.
    await tabs[0].close();
    await telegramCustomer(7006, 'Tara', { text: 'Still live after a tab closed' });
    for (const tab of tabs.slice(1))
      await item(tab, 'Tara').getByText('Still live after a tab closed').waitFor();
    await eventually(async () => {
      const stats = await http.get(`/api/v1/admin/security/ws-stats/${agent.id}`);
      expect(stats.body.connections).toBe(4);
    }, 10000);
  }, 60000);

  it('lets a hidden tab give up its conversation socket, so a fourth conversation fits, and catches it up when shown', async () => {
    // Headless tabs all count as visible: the page is told it was hidden the way a browser tells it.
    const setHidden = (page: Page, hidden: boolean) =>
      page.evaluate((hide) => {
        const doc = (globalThis as any).document;
        Object.defineProperty(doc, 'visibilityState', {
          value: hide ? 'hidden' : 'visible',
          configurable: true,
        });
        Object.defineProperty(doc, 'hidden', { value: hide, configurable: true });
        doc.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    const http = stack.http.as(admin.token);
    const connections = (n: number) =>
      eventually(async () => {
        const stats = await http.get(`/api/v1/admin/security/ws-stats/${agent.id}`);
        expect(stats.body.connections).toBe(n);
      }, 20000);
    const first = await open(agent);
    const tabs = [first, await first.context().newPage(), await first.context().newPage()];
    for (const tab of tabs.slice(1)) await tab.goto(`${stack.apiUrl}/#/inbox`);
    for (const [i, name] of ['Leila', 'Maryam', 'Nadia'].entries()) await openConversation(tabs[i], name);
    await connections(5);

    await setHidden(tabs[0], true);
    await connections(4); // once the grace period is over
    const fourth = await first.context().newPage();
    await fourth.goto(`${stack.apiUrl}/#/inbox`);
    await openConversation(fourth, 'Tara');
    await connections(5);
    await telegramCustomer(7006, 'Tara', { text: 'Live in the fourth tab' });
    await bubble(fourth, 'Live in the fourth tab').waitFor();

    await telegramCustomer(7001, 'Leila', { text: 'Written while the tab was hidden' });
    await setHidden(fourth, true);
    await connections(4);
    await setHidden(tabs[0], false);
    await bubble(tabs[0], 'Written while the tab was hidden').waitFor();
    expect(await bubble(tabs[0], 'Written while the tab was hidden').count()).toBe(1);
    await connections(5);
    for (const tab of [...tabs, fourth]) expect(await tab.getByTestId('reconnecting').count()).toBe(0);
  }, 90000);

  it('says why it cannot connect when the agent already holds every socket the cap allows', async () => {
    const login = await stack.http.post('/api/v1/auth/login', {
      email: agent.email,
      password: agent.password,
    });
    const elsewhere = [];
    for (let i = 0; i < 5; i++)
      elsewhere.push(
        await WsClient.connect(stack.apiUrl, '/ws/notifications/', { token: login.body.access_token }),
      );
    const page = await open(agent);
    const banner = page.getByTestId('reconnecting');
    await banner
      .filter({ hasText: 'Too many Parley tabs or windows are open (5 connections at most)' })
      .waitFor();
    for (const socket of elsewhere) socket.close();
    await banner.waitFor({ state: 'detached', timeout: 30000 });
    await telegramCustomer(7009, 'Ziba', { text: 'Connected at last' });
    await item(page, 'Ziba').getByText('Connected at last').waitFor();
  }, 60000);

  it('shows a reply the server refused (a link flood) as not sent, with its reason, and lets the agent drop it', async () => {
    const page = await open(admin);
    await openConversation(page, 'Leila');
    const links = Array.from({ length: 6 }, (_, i) => `https://spam${i}.example`).join(' ');
    await page.getByTestId('composer-input').fill(links);
    await page.getByTestId('send').click();
    const refused = page.getByTestId('pending').filter({ hasText: 'spam0.example' });
    await refused.getByTestId('refusal').waitFor();
    expect(await refused.getByTestId('refusal').textContent()).toMatch(/spam/i);
    await refused.getByRole('button', { name: 'Cancel' }).click();
    await refused.waitFor({ state: 'detached' });
    expect(await bubble(page, 'spam0.example').count()).toBe(0);
  }, 60000);

  it('refreshes the session silently before the access token expires', async () => {
    const page = await open(admin);
    const stored = async () =>
      JSON.parse((await page.evaluate(() => (globalThis as any).localStorage.getItem('parley.session')))!);
    const before = await stored();
    // Pretend the token is about to expire: the next call refreshes first, then goes on.
    await page.evaluate((session) => {
      (globalThis as any).localStorage.setItem(
        'parley.session',
        JSON.stringify({ ...session, expiresAt: Date.now() + 1000 }),
      );
    }, before);
    await page.reload();
    await item(page, 'Leila').waitFor();
    const after = await stored();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    // The spent refresh token is dead: rotation really happened on the server.
    const reuse = await stack.http.post('/api/v1/auth/refresh', { refresh_token: before.refreshToken });
    expect(reuse.status).toBe(401);
  }, 60000);

  it('shows a story reply with its story, and a message typed in the Instagram app as sent from there', async () => {
    const page = await open(admin);
    const igsid = `8${Date.now()}`;
    sim().setInstagramProfile(igsid, { name: 'Mina Rahimi', username: 'mina.r' });
    await sim().postInstagramWebhook(
      sim().instagramStoryReply(ig.igUserId, igsid, 'Is the blue one in stock?', '3355111222333444555'),
    );
    await openConversation(page, 'Mina Rahimi');
    const replied = bubble(page, 'Is the blue one in stock?');
    const story = replied.getByTestId('story');
    await story.filter({ hasText: 'Replied to your story' }).waitFor();
    expect(await story.getByTestId('story-link').getAttribute('href')).toMatch(
      new RegExp(`^${sim().cdnUrl}/ig-media/`),
    );
    await story.getByTestId('image-preview').waitFor({ timeout: 15000 });

    await sim().postInstagramWebhook(sim().instagramEcho(ig.igUserId, igsid, { text: 'Yes, size M too' }));
    const echoed = bubble(page, 'Yes, size M too');
    await echoed.and(page.locator('[data-status="sent"]')).waitFor();
    expect(await echoed.getByTestId('sender').textContent()).toBe('Instagram app');
  }, 60000);

  it('shows an Instagram attachment whose URL is off the allowlist as not available, not as downloading for ever', async () => {
    const page = await open(admin);
    const igsid = `7${Date.now()}`;
    sim().setInstagramProfile(igsid, { name: 'Nima Tavakoli', username: 'nima.t' });
    await sim().postInstagramWebhook(
      sim().instagramMessage(ig.igUserId, igsid, {
        attachments: [{ type: 'image', payload: { url: 'https://attacker.example/pixel.jpg' } }],
      }),
    );
    await openConversation(page, 'Nima Tavakoli');
    const unavailable = page.getByTestId('media-unavailable');
    await unavailable.waitFor({ timeout: 15000 });
    expect(await unavailable.textContent()).toBe('Not available');
  }, 60000);
});
