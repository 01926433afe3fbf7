import type { BrowserContext, Page } from 'playwright-core';
import { signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { agentSide, audioFlows, customerSide, iceOf, networkChangeRestartsIce } from './support/call-media';
import { eventually } from './support/ws';

interface Person {
  id: string;
  name: string;
  email: string;
  password: string;
  http: HttpClient;
}

/**
 * The media side of calls in Chromium with fake audio devices: ICE restarts when the browser
 * reports a network change (credentials change on both sides, audio goes on), switching the
 * microphone mid-call, and the plain-words refusals for a browser with no microphone or no WebRTC,
 * in the dashboard and on the customer's call page.
 */
describe('calls: network changes, microphones and browsers that cannot call', () => {
  let stack: Stack;
  let admin: Person;
  let sara: Person;
  let omid: Person;
  const contexts: BrowserContext[] = [];
  let adminPage: Page;
  let saraPage: Page;

  const password = 'correct horse battery staple';

  const invite = async (name: string): Promise<Person> => {
    const email = `${name.toLowerCase()}-${Date.now()}@example.test`;
    const invited = await admin.http.post('/api/v1/agents', { name, email, role: 'agent' });
    const accepted = await stack.http.post('/api/v1/auth/accept-invite', {
      invite_token: invited.body.invite_token,
      password,
    });
    return {
      id: accepted.body.agent.id,
      name,
      email,
      password,
      http: stack.http.as(accepted.body.access_token),
    };
  };

  /** A signed-in tab; `init` runs before the dashboard's scripts on every load (a browser's quirks). */
  const open = async (who: Person, route: string, init?: string): Promise<Page> => {
    const { context, page } = await signIn(stack, who);
    contexts.push(context);
    if (init) await page.addInitScript({ content: init });
    await page.goto(`${stack.apiUrl}/#${route}`);
    if (init) await page.reload();
    return page;
  };
  const fa = "localStorage.setItem('parley.language', 'fa');";
  const noMicrophone =
    "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));";
  const noWebRtc = 'delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;';

  const popup = (page: Page) => page.getByTestId('incoming-call');
  const callView = (page: Page) => page.getByTestId('call-view');
  const statusOf = async (page: Page) =>
    (await callView(page).count()) ? callView(page).getAttribute('data-status', { timeout: 2000 }) : null;

  /** The admin calls Sara from the team list and Sara accepts; both call views active with audio. */
  const connectAdminToSara = async () => {
    await adminPage.getByRole('button', { name: 'Call Sara' }).click();
    await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
    await eventually(async () => {
      expect(await statusOf(adminPage)).toBe('active');
      expect(await statusOf(saraPage)).toBe('active');
    }, 15_000);
    await eventually(async () => {
      expect((await iceOf(agentSide(adminPage))).bytes).toBeGreaterThan(0);
      expect((await iceOf(agentSide(saraPage))).bytes).toBeGreaterThan(0);
    }, 20_000);
  };

  /** A call link Sara made for a Telegram customer's conversation: its path on the api. */
  const callLinkPath = async (customerId: number, firstName: string): Promise<string> => {
    const sim = stack.environment.simulator;
    const botToken = sim.newBotToken();
    const channel = await admin.http.post('/api/v1/channels', {
      type: 'telegram',
      name: 'Shop',
      bot_token: botToken,
    });
    expect(channel.status).toBe(201);
    const botId = botToken.split(':')[0];
    await sim.postTelegramUpdate(
      botId,
      sim.telegramMessage(botId, { id: customerId, first_name: firstName }, { text: 'Call me?' }),
    );
    let conversationId = '';
    await eventually(async () => {
      const list = await admin.http.get('/api/v1/conversations');
      const found = (list.body.data as { id: string; channel: { id: string } }[]).find(
        (c) => c.channel.id === channel.body.id,
      );
      expect(found).toBeDefined();
      conversationId = found!.id;
    }, 15_000);
    const link = await sara.http.post(`/api/v1/conversations/${conversationId}/call-link`);
    expect(link.status).toBe(201);
    return new URL(link.body.url as string).pathname;
  };
  const customerPage = async (locale: string, init?: string): Promise<Page> => {
    const context = await stack.browser.newContext({ locale });
    contexts.push(context);
    const page = await context.newPage();
    if (init) await page.addInitScript({ content: init });
    return page;
  };
  const callsOf = async (who: Person) =>
    (await who.http.get('/api/v1/calls?limit=50')).body.data as { id: string; status: string }[];

  /** Ends every call still ringing or active, and waits for the call views to clear. */
  const settle = async () => {
    if (!omid) return; // the stack did not start: nothing to settle
    for (const who of [admin, sara, omid])
      for (const call of await callsOf(who))
        if (call.status === 'ringing' || call.status === 'active')
          await who.http.post(`/api/v1/calls/${call.id}/hangup`, {});
    for (const page of [adminPage, saraPage]) {
      await popup(page).waitFor({ state: 'detached', timeout: 10_000 });
      await callView(page).waitFor({ state: 'detached', timeout: 10_000 });
    }
  };

  beforeAll(async () => {
    // A ring far longer than any test waits: a call that ends is ended by the code, not the timeout.
    stack = await startStack({ CALL_RING_TIMEOUT_SECONDS: '300' });
    const signup = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Shop',
      name: 'Admin',
      email: `admin-${Date.now()}@example.test`,
      password,
    });
    admin = {
      id: signup.body.agent.id,
      name: 'Admin',
      email: signup.body.agent.email,
      password,
      http: stack.http.as(signup.body.access_token),
    };
    sara = await invite('Sara');
    omid = await invite('Omid');
    adminPage = await open(admin, '/calls');
    saraPage = await open(sara, '/account');
  }, 120_000);
  afterEach(() => settle(), 30_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await stack?.close();
  });

  it('restarts ICE with new credentials on both sides when either party’s network changes, and audio goes on', async () => {
    await connectAdminToSara();
    // The callee's network changes: it asks the caller, who offers anew.
    await networkChangeRestartsIce(agentSide(saraPage), agentSide(adminPage), 'online');
    // The caller's network changes: it offers anew at once.
    await networkChangeRestartsIce(agentSide(adminPage), agentSide(saraPage), 'connection change');
    expect(await statusOf(adminPage)).toBe('active');
    expect(await statusOf(saraPage)).toBe('active');
  }, 120_000);

  it('restarts ICE on a network change with the customer’s call page as one party', async () => {
    const path = await callLinkPath(9201, 'Nima');
    const customer = await customerPage('en-US');
    await customer.goto(`${stack.apiUrl}${path}`);
    await customer.getByRole('button', { name: 'Call', exact: true }).click();
    await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
    const app = customer.locator('#call-app');
    await eventually(async () => expect(await app.getAttribute('data-state')).toBe('active'), 15_000);
    await eventually(async () => {
      expect((await iceOf(customerSide(customer))).bytes).toBeGreaterThan(0);
      expect((await iceOf(agentSide(saraPage))).bytes).toBeGreaterThan(0);
    }, 20_000);
    await networkChangeRestartsIce(customerSide(customer), agentSide(saraPage), 'connection change');
    await networkChangeRestartsIce(agentSide(saraPage), customerSide(customer), 'online');
    await expect(customer.locator('#status').textContent()).resolves.toBe('Connected');
    await customer.getByRole('button', { name: 'Hang up' }).click();
    await eventually(async () => expect(await statusOf(saraPage)).toBe('ended'), 10_000);
  }, 120_000);

  it('switches to another microphone mid-call: the sent track changes, the old one stops, the other side still hears it', async () => {
    const inputs = (await saraPage.evaluate(`navigator.mediaDevices.enumerateDevices().then((all) =>
      all.filter((d) => d.kind === 'audioinput').map((d) => ({ id: d.deviceId, label: d.label })))`)) as {
      id: string;
      label: string;
    }[];
    // Chromium's fake device mode lists a default input and two more.
    expect(inputs.length).toBeGreaterThan(1);
    // Keeps the tracks the dashboard opens, to see which are still live (no change to what it gets).
    await saraPage.evaluate(`(() => {
      const media = navigator.mediaDevices;
      const original = media.getUserMedia.bind(media);
      window.openedTracks = [];
      window.originalGetUserMedia = original;
      media.getUserMedia = async (constraints) => {
        const stream = await original(constraints);
        window.openedTracks.push(...stream.getAudioTracks());
        return stream;
      };
    })()`);
    const tracks = () => saraPage.evaluate('window.openedTracks.map((track) => track.readyState)');
    await connectAdminToSara();
    const view = callView(saraPage);
    const before = (await view.getAttribute('data-microphone')) ?? '';
    expect(before).not.toBe('');
    const other = inputs.find((d) => d.label !== before && d.id !== 'default' && d.id !== 'communications');
    expect(other).toBeDefined();
    const selector = view.getByRole('combobox', { name: 'Microphone' });
    // The selector names the devices by their labels.
    await expect(selector.locator('option').allTextContents()).resolves.toEqual(
      expect.arrayContaining(inputs.map((d) => d.label)),
    );
    await selector.selectOption({ label: other!.label });
    await eventually(
      async () => expect(await view.getAttribute('data-microphone')).toBe(other!.label),
      10_000,
    );
    await audioFlows(agentSide(adminPage), agentSide(saraPage));
    expect(await tracks()).toEqual(['ended', 'live']);
    expect(await view.getByRole('alert').count()).toBe(0);

    // A microphone that cannot start: the call view says so, and the call goes on with the one it had.
    await saraPage.evaluate(
      "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Could not start audio source', 'NotReadableError'))",
    );
    await selector.selectOption({ label: 'Default microphone' });
    await view.getByRole('alert').filter({ hasText: 'The microphone could not be started' }).waitFor();
    expect(await view.getAttribute('data-microphone')).toBe(other!.label);
    expect(await tracks()).toEqual(['ended', 'live']);
    await audioFlows(agentSide(adminPage), agentSide(saraPage));
    await saraPage.evaluate('navigator.mediaDevices.getUserMedia = window.originalGetUserMedia');
  }, 90_000);

  it('tells an agent with no microphone so in their language, and rings nobody or refuses the ringing call', async () => {
    // Placing a call, in Persian: nobody is rung.
    const calls = (await callsOf(omid)).length;
    const omidFa = await open(omid, '/calls', `${fa} ${noMicrophone}`);
    await omidFa.getByRole('button', { name: 'تماس با Sara' }).click();
    await omidFa
      .getByTestId('call-problem')
      .filter({ hasText: 'میکروفونی پیدا نشد. یکی وصل کنید و دوباره تلاش کنید.' })
      .waitFor();
    expect(await callsOf(omid)).toHaveLength(calls);
    expect(await popup(saraPage).count()).toBe(0);
    await omidFa.context().close();

    // Accepting a call, in English: the caller hears "declined" at once, not a ring to the timeout.
    const omidEn = await open(omid, '/account', noMicrophone);
    await adminPage.getByRole('button', { name: 'Call Omid' }).click();
    await popup(omidEn).getByRole('button', { name: 'Accept' }).click();
    await omidEn.getByTestId('call-problem').filter({ hasText: 'No microphone was found' }).waitFor();
    await eventually(async () => expect(await statusOf(adminPage)).toBe('rejected'), 10_000);
    await popup(omidEn).waitFor({ state: 'detached' });
    expect((await callsOf(omid))[0].status).toBe('rejected');
    await omidEn.context().close();
  }, 90_000);

  it('tells an agent whose browser has no WebRTC so in their language, when calling and when answering', async () => {
    const calls = (await callsOf(omid)).length;
    const omidEn = await open(omid, '/calls', noWebRtc);
    await omidEn.getByRole('button', { name: 'Call Sara' }).click();
    await omidEn
      .getByTestId('call-problem')
      .filter({ hasText: 'This browser cannot make voice calls' })
      .waitFor();
    expect(await callsOf(omid)).toHaveLength(calls);
    expect(await popup(saraPage).count()).toBe(0);
    await omidEn.context().close();

    const omidFa = await open(omid, '/account', `${fa} ${noWebRtc}`);
    await adminPage.getByRole('button', { name: 'Call Omid' }).click();
    await popup(omidFa).getByRole('button', { name: 'پاسخ' }).click();
    await omidFa
      .getByTestId('call-problem')
      .filter({ hasText: 'این مرورگر نمی‌تواند تماس صوتی برقرار کند' })
      .waitFor();
    await eventually(async () => expect(await statusOf(adminPage)).toBe('rejected'), 10_000);
    expect((await callsOf(omid))[0].status).toBe('rejected');
    await omidFa.context().close();
  }, 90_000);

  it('tells a customer with no microphone or no WebRTC so in the call page’s language, and rings nobody', async () => {
    const path = await callLinkPath(9202, 'Leyla');
    const before = (await callsOf(sara)).length;

    const persian = await customerPage('fa-IR', noMicrophone);
    await persian.goto(`${stack.apiUrl}${path}`);
    await persian.getByRole('button', { name: 'تماس', exact: true }).click();
    await eventually(async () =>
      expect(await persian.locator('#call-app').getAttribute('data-state')).toBe('microphone_missing'),
    );
    await expect(persian.locator('#status').textContent()).resolves.toBe(
      'میکروفونی پیدا نشد. یکی وصل کنید و دوباره تلاش کنید.',
    );

    const arabic = await customerPage('ar', noWebRtc);
    await arabic.goto(`${stack.apiUrl}${path}`);
    await arabic.getByRole('button', { name: 'اتصال', exact: true }).click();
    await eventually(async () =>
      expect(await arabic.locator('#call-app').getAttribute('data-state')).toBe('webrtc_unsupported'),
    );
    await expect(arabic.locator('#status').textContent()).resolves.toContain(
      'لا يستطيع هذا المتصفح إجراء مكالمات صوتية',
    );

    const english = await customerPage('en-US', noWebRtc);
    await english.goto(`${stack.apiUrl}${path}`);
    await english.getByRole('button', { name: 'Call', exact: true }).click();
    await expect(english.locator('#status').textContent()).resolves.toContain(
      'This browser cannot make voice calls',
    );

    expect(await callsOf(sara)).toHaveLength(before);
    expect(await popup(saraPage).count()).toBe(0);
  }, 90_000);
});
