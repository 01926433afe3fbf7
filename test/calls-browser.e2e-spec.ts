import { createServer } from 'node:http';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { freePort } from './support/app';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';
import { launch, listeningPort, Running } from './support/processes';
import { eventually } from './support/ws';

interface Person {
  id: string;
  name: string;
  email: string;
  password: string;
  http: HttpClient;
}

/**
 * Voice calls in the dashboard with Chromium's fake microphone, against the built processes and
 * a second api instance: the caller's tab is on one api, the callee's on the other, as behind a
 * load balancer. Audio is proven by getStats (`inbound-rtp` bytesReceived growing on both sides,
 * shown by the call view as `data-bytes-received`).
 */
describe('calls in the dashboard', () => {
  let stack: Stack;
  let secondApi: Running;
  let secondUrl: string;
  let admin: Person;
  let sara: Person;
  let omid: Person;
  const contexts: BrowserContext[] = [];
  /** The admin calls from the team list on api A; Sara sits on her account page on api B. */
  let adminPage: Page;
  let saraPage: Page;
  /** Sara signed in a second time (another browser), on api A. */
  let saraOther: Page;
  let omidPage: Page;

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

  const open = async (who: Person, apiUrl: string, route: string): Promise<Page> => {
    const { context, page } = await signIn({ ...stack, apiUrl }, who);
    contexts.push(context);
    await page.goto(`${apiUrl}/#${route}`);
    return page;
  };

  const popup = (page: Page) => page.getByTestId('incoming-call');
  const callView = (page: Page) => page.getByTestId('call-view');
  /** The call view's state; null while the page shows none. */
  const statusOf = async (page: Page) =>
    (await callView(page).count()) ? callView(page).getAttribute('data-status', { timeout: 2000 }) : null;
  const callFromTeamList = async (page: Page, name: string) => {
    await page.getByRole('button', { name: `Call ${name}` }).click();
  };

  /** Ends every call still ringing or active, and waits for the call views to clear. */
  const settle = async () => {
    for (const who of [admin, sara, omid]) {
      const page = await who.http.get('/api/v1/calls?limit=20');
      for (const call of page.body.data as { id: string; status: string }[])
        if (call.status === 'ringing' || call.status === 'active')
          await who.http.post(`/api/v1/calls/${call.id}/hangup`, {});
    }
    for (const page of [adminPage, saraPage, saraOther, omidPage]) {
      await page.getByTestId('incoming-call').waitFor({ state: 'detached', timeout: 10_000 });
      await page.getByTestId('call-view').waitFor({ state: 'detached', timeout: 10_000 });
    }
  };

  beforeAll(async () => {
    // A ring short enough for the timeout test, long enough for a click under load.
    stack = await startStack({ CALL_RING_TIMEOUT_SECONDS: '8', CALL_SWEEP_INTERVAL_MS: '200' });
    const env = { ...stack.environment.env, CALL_RING_TIMEOUT_SECONDS: '8', CALL_SWEEP_INTERVAL_MS: '200' };
    secondApi = launch('api', { ...env, LOG_LEVEL: 'info', API_PORT: '0', PRESENCE_TTL_SECONDS: '3' });
    secondUrl = `http://127.0.0.1:${await listeningPort(secondApi)}`;
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
    adminPage = await open(admin, stack.apiUrl, '/calls');
    saraPage = await open(sara, secondUrl, '/account');
    saraOther = await open(sara, stack.apiUrl, '/account');
    omidPage = await open(omid, stack.apiUrl, '/calls');
  }, 120_000);
  afterEach(() => settle(), 30_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    secondApi?.child.kill('SIGTERM');
    await secondApi?.exit;
    await stack?.close();
  });

  it('rings on a page that is no conversation, in every tab; accepting connects audio both ways across api instances', async () => {
    await callFromTeamList(adminPage, 'Sara');
    await popup(saraPage).waitFor();
    await popup(saraOther).waitFor();
    await expect(popup(saraPage).textContent()).resolves.toContain('Admin is calling');
    await screenshot(saraPage, 'call-incoming');
    await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
    // Accepted on one device: the popup closes on the other.
    await popup(saraOther).waitFor({ state: 'detached' });
    await eventually(async () => {
      expect(await statusOf(adminPage)).toBe('active');
      expect(await statusOf(saraPage)).toBe('active');
    }, 15_000);

    const bytes = async (page: Page) =>
      Number(await callView(page).getAttribute('data-bytes-received', { timeout: 2000 }));
    let first = { admin: 0, sara: 0 };
    await eventually(async () => {
      first = { admin: await bytes(adminPage), sara: await bytes(saraPage) };
      expect(first.admin).toBeGreaterThan(0);
      expect(first.sara).toBeGreaterThan(0);
    }, 20_000);
    await eventually(async () => {
      expect(await bytes(adminPage)).toBeGreaterThan(first.admin);
      expect(await bytes(saraPage)).toBeGreaterThan(first.sara);
    }, 20_000);
    await expect(saraPage.getByTestId('call-quality').textContent()).resolves.toMatch(
      /Round trip .* ms · loss/,
    );
    await screenshot(saraPage, 'call-active');

    await callView(adminPage).getByRole('button', { name: 'Hang up' }).click();
    await eventually(async () => expect(await statusOf(saraPage)).toBe('ended'), 10_000);
    await expect(saraPage.getByTestId('call-status').textContent()).resolves.toBe('Call ended');
  });

  it('tells the caller when the callee rejects', async () => {
    await callFromTeamList(adminPage, 'Sara');
    await popup(saraPage).getByRole('button', { name: 'Reject' }).click();
    await eventually(async () => expect(await statusOf(adminPage)).toBe('rejected'), 10_000);
    await popup(saraOther).waitFor({ state: 'detached' });
  });

  it('stops the ringing everywhere when the caller cancels', async () => {
    await callFromTeamList(adminPage, 'Sara');
    await popup(saraPage).waitFor();
    await callView(adminPage).getByRole('button', { name: 'Hang up' }).click();
    await popup(saraPage).waitFor({ state: 'detached' });
    await popup(saraOther).waitFor({ state: 'detached' });
    await eventually(async () => expect(await statusOf(adminPage)).toBe('cancelled'), 10_000);
  });

  it('marks an unanswered call missed after the ring timeout and notifies the callee', async () => {
    await callFromTeamList(adminPage, 'Sara');
    await popup(saraPage).waitFor();
    await eventually(async () => expect(await statusOf(adminPage)).toBe('missed'), 20_000);
    await popup(saraPage).waitFor({ state: 'detached', timeout: 5000 });
    await saraPage
      .getByTestId('toast')
      .filter({ hasText: 'Missed call from Admin' })
      .waitFor({ timeout: 5000 });
  }, 60_000);

  it('answers busy to a second caller while the callee is in a call', async () => {
    await callFromTeamList(adminPage, 'Sara');
    await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
    await eventually(async () => expect(await statusOf(saraPage)).toBe('active'), 15_000);
    await callFromTeamList(omidPage, 'Sara');
    await eventually(async () => expect(await statusOf(omidPage)).toBe('busy'), 10_000);
    await expect(omidPage.getByTestId('call-status').textContent()).resolves.toBe('Busy: in another call');
    // Sara's call goes on.
    expect(await statusOf(saraPage)).toBe('active');
  });

  it('lists the calls in the history', async () => {
    await adminPage.reload();
    await eventually(async () => {
      const statuses = await adminPage
        .getByTestId('call-row')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')));
      expect(statuses).toEqual(expect.arrayContaining(['ended', 'rejected', 'cancelled', 'missed']));
    }, 10_000);
  });

  it('tells the agent in plain words when the microphone is refused', async () => {
    const { context, page } = await signIn({ ...stack, apiUrl: stack.apiUrl }, omid);
    contexts.push(context);
    // As a browser whose user said no to the microphone prompt.
    await page.addInitScript({
      content:
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));",
    });
    await page.goto(`${stack.apiUrl}/#/calls`);
    await page.reload();
    await callFromTeamList(page, 'Sara');
    await page.getByTestId('call-problem').filter({ hasText: 'Microphone access was refused' }).waitFor();
    // Nobody was rung.
    expect(await popup(saraPage).count()).toBe(0);
    await context.close();
  });

  it('lets a customer open a call link in their own language and call the agent; audio flows both ways', async () => {
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
      sim.telegramMessage(botId, { id: 9101, first_name: 'Nima' }, { text: 'Call me?' }),
    );
    let conversationId = '';
    await eventually(async () => {
      const list = await admin.http.get('/api/v1/conversations');
      expect(list.body.data).toHaveLength(1);
      conversationId = list.body.data[0].id;
    }, 15_000);
    const link = await sara.http.post(`/api/v1/conversations/${conversationId}/call-link`);
    expect(link.status).toBe(201);

    const customerContext = await stack.browser.newContext({ locale: 'fa-IR' });
    contexts.push(customerContext);
    const customer = await customerContext.newPage();
    await customer.goto(`${stack.apiUrl}${new URL(link.body.url as string).pathname}`);
    await expect(customer.locator('html').getAttribute('dir')).resolves.toBe('rtl');
    await screenshot(customer, 'call-link-page');
    await customer.getByRole('button', { name: 'تماس', exact: true }).click();

    await popup(saraPage).waitFor();
    await expect(popup(saraPage).textContent()).resolves.toContain('Nima');
    await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
    const app = customer.locator('#call-app');
    await eventually(async () => expect(await app.getAttribute('data-state')).toBe('active'), 15_000);
    const customerBytes = async () => Number(await app.getAttribute('data-bytes-received'));
    const agentBytes = async () =>
      Number(await callView(saraPage).getAttribute('data-bytes-received', { timeout: 2000 }));
    let first = { customer: 0, agent: 0 };
    await eventually(async () => {
      first = { customer: await customerBytes(), agent: await agentBytes() };
      expect(first.customer).toBeGreaterThan(0);
      expect(first.agent).toBeGreaterThan(0);
    }, 20_000);
    await eventually(async () => {
      expect(await customerBytes()).toBeGreaterThan(first.customer);
      expect(await agentBytes()).toBeGreaterThan(first.agent);
    }, 20_000);
    await customer.getByRole('button', { name: 'قطع تماس' }).click();
    await eventually(async () => expect(await statusOf(saraPage)).toBe('ended'), 10_000);
  }, 90_000);

  it('lets a website visitor call the agent who has the conversation from the chat widget', async () => {
    const hostPort = await freePort();
    const shop = `http://127.0.0.1:${hostPort}`;
    const channel = await admin.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Acme website',
      allowed_origins: [shop],
      pre_chat: { name: 'off', email: 'off', phone: 'off' },
    });
    expect(channel.status).toBe(201);
    const host = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><body><h1>Acme shop</h1><script src="${stack.apiUrl}/widget.js" data-channel="${channel.body.id}" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => host.listen(hostPort, '127.0.0.1', resolve));
    try {
      const visitorContext = await stack.browser.newContext({
        locale: 'en-US',
        viewport: { width: 1100, height: 760 },
      });
      contexts.push(visitorContext);
      const shopPage = await visitorContext.newPage();
      await shopPage.goto(`${shop}/`);
      await shopPage.locator('[data-parley-widget]').locator('[data-parley="bubble"]').click();
      let frame: Frame | undefined;
      await eventually(() => {
        frame = shopPage.frames().find((f) => f.url().includes('/widget/frame.html'));
        expect(frame).toBeDefined();
      }, 10_000);
      await frame!.locator('html[data-state="ready"]').waitFor();
      await frame!.getByTestId('widget-input').fill('Can we talk by voice?');
      await frame!.getByTestId('widget-send').dispatchEvent('click');
      let conversationId = '';
      await eventually(async () => {
        const list = await admin.http.get('/api/v1/conversations');
        const found = (list.body.data as { id: string; last_message_preview: string | null }[]).find((c) =>
          c.last_message_preview?.includes('by voice'),
        );
        expect(found).toBeDefined();
        conversationId = found!.id;
      }, 15_000);
      await admin.http.post(`/api/v1/conversations/${conversationId}/assign`, { agent_id: sara.id });

      // A real click (a user gesture, so the new tab is no blocked popup) at the button's place on the
      // page: the chat frame's box on the page plus the button's box in the frame.
      await frame!.getByTestId('widget-call').waitFor();
      const frameBox = (await shopPage.locator('[data-parley-widget] iframe').boundingBox())!;
      const button = (await frame!.evaluate(
        `(() => { const r = document.querySelector('[data-testid="widget-call"]').getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
      )) as { x: number; y: number };
      const [callPage] = await Promise.all([
        visitorContext.waitForEvent('page'),
        shopPage.mouse.click(frameBox.x + button.x, frameBox.y + button.y),
      ]);
      await callPage.waitForURL(/\/call\//);
      await callPage.getByRole('button', { name: 'Call', exact: true }).click();
      await popup(saraPage).waitFor();
      await popup(saraPage).getByRole('button', { name: 'Accept' }).click();
      const app = callPage.locator('#call-app');
      await eventually(async () => expect(await app.getAttribute('data-state')).toBe('active'), 15_000);
      await eventually(async () => {
        expect(Number(await app.getAttribute('data-bytes-received'))).toBeGreaterThan(0);
        expect(
          Number(await callView(saraPage).getAttribute('data-bytes-received', { timeout: 2000 })),
        ).toBeGreaterThan(0);
      }, 20_000);
      await callView(saraPage).getByRole('button', { name: 'Hang up' }).click();
      await eventually(async () => expect(await app.getAttribute('data-state')).toBe('ended'), 10_000);
    } finally {
      host.close();
    }
  }, 90_000);
});
