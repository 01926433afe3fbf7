import type { BrowserContext, Frame, Page } from 'playwright-core';
import { screenshot, signIn, signUpAdmin, Stack, startStack } from './support/browser';
import { bubble, chatFrame, press, serveWidgetHost, WidgetHost } from './support/widget-host';
import { agentSide, customerSide, networkChangeRestartsIce } from './support/call-media';
import { eventually } from './support/ws';

/**
 * An agent calls a website visitor back from the dashboard, against the built processes, with
 * Chromium's fake microphone on both sides: the visitor is on the business's page with the widget
 * closed; it opens and rings; Answer opens the call page in its answer role in a new tab. Audio is
 * proven by getStats (`inbound-rtp` bytesReceived growing on both sides, shown as
 * `data-bytes-received` by the agent's call view and by the call page).
 */
describe('calling a website visitor back from the dashboard', () => {
  let stack: Stack;
  let host: WidgetHost;
  let channelId = '';
  let admin: Awaited<ReturnType<typeof signUpAdmin>>;
  const contexts: BrowserContext[] = [];
  let agentPage: Page;

  const callView = () => agentPage.getByTestId('call-view');
  const statusOf = async () =>
    (await callView().count()) ? callView().getAttribute('data-status', { timeout: 2000 }) : null;

  /** A visitor on the shop's page who wrote (so has a conversation), then closed the chat; the agent has it open. */
  const visitorOnSite = async (text: string) => {
    const context = await stack.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1100, height: 760 },
    });
    contexts.push(context);
    const shop = await context.newPage();
    await shop.goto(`${host.allowed}/`);
    await bubble(shop).click();
    const frame = await chatFrame(shop);
    await frame.getByTestId('widget-input').fill(text);
    await press(frame.getByTestId('widget-send'));
    let conversationId = '';
    await eventually(async () => {
      const list = await stack.http.get('/api/v1/conversations', { token: admin.token });
      const found = (list.body.data as { id: string; last_message_preview: string | null }[]).find((c) =>
        c.last_message_preview?.includes(text),
      );
      expect(found).toBeDefined();
      conversationId = found!.id;
    }, 15_000);
    await press(frame.getByTestId('widget-close'));
    await eventually(async () => expect(await chatIframe(shop).isHidden()).toBe(true), 5000);
    await agentPage.goto(`${stack.apiUrl}/#/inbox/${conversationId}`);
    // Offered, and enabled: the visitor is on the site.
    await agentPage.locator('[data-testid="call-visitor"][data-online="true"]').waitFor({ timeout: 20_000 });
    return { context, shop, frame, conversationId };
  };
  const chatIframe = (shop: Page) => shop.locator('[data-parley-widget] iframe');
  const ringing = (frame: Frame) => frame.getByTestId('widget-incoming-call');

  beforeAll(async () => {
    // A ring long enough for clicks under load.
    stack = await startStack({ CALL_RING_TIMEOUT_SECONDS: '30', CALL_SWEEP_INTERVAL_MS: '200' });
    admin = await signUpAdmin(stack, 'Acme Shop');
    host = await serveWidgetHost(stack.apiUrl, () => channelId);
    const channel = await stack.http.post(
      '/api/v1/channels',
      {
        type: 'web',
        name: 'Acme website',
        allowed_origins: [host.allowed],
        pre_chat: { name: 'off', email: 'off', phone: 'off' },
      },
      { token: admin.token },
    );
    expect(channel.status).toBe(201);
    channelId = channel.body.id as string;
    ({ page: agentPage } = await signIn(stack, admin).then((signedIn) => {
      contexts.push(signedIn.context);
      return signedIn;
    }));
  }, 120_000);
  afterEach(async () => {
    const calls = await stack.http.get('/api/v1/calls?limit=20', { token: admin.token });
    for (const call of calls.body.data as { id: string; status: string }[])
      if (call.status === 'ringing' || call.status === 'active')
        await stack.http.post(`/api/v1/calls/${call.id}/hangup`, {}, { token: admin.token });
    await callView().waitFor({ state: 'detached', timeout: 10_000 });
  }, 30_000);
  afterAll(async () => {
    for (const context of contexts) await context.close();
    host?.close();
    await stack?.close();
  });

  it('rings the visitor on the shop’s page (the closed chat opens); Answer opens the call page, which connects audio both ways', async () => {
    const { context, shop, frame } = await visitorOnSite('Could you call me back?');
    await agentPage.getByTestId('call-visitor').click();

    await ringing(frame).waitFor({ timeout: 15_000 });
    await expect(ringing(frame).textContent()).resolves.toContain('Sara Admin from our team is calling you');
    // The loader opened the closed chat so the banner is seen.
    expect(await chatIframe(shop).isVisible()).toBe(true);
    await eventually(async () => expect(await statusOf()).toBe('ringing'), 10_000);
    await screenshot(shop, 'call-visitor-ringing');

    // A real click (a user gesture, so the new tab is no blocked popup) at the Answer button's place
    // on the page: the chat frame's box on the page plus the button's box in the frame.
    const frameBox = (await chatIframe(shop).boundingBox())!;
    const button = (await frame.evaluate(
      `(() => { const r = document.querySelector('[data-testid="widget-answer-call"]').getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
    )) as { x: number; y: number };
    const [callPage] = await Promise.all([
      context.waitForEvent('page'),
      shop.mouse.click(frameBox.x + button.x, frameBox.y + button.y),
    ]);
    await callPage.waitForURL(/\/call\/answer\/ans\./);
    // The visitor's own token never travels in a URL.
    expect(callPage.url()).not.toContain('pvt_');
    await ringing(frame).waitFor({ state: 'detached' });
    await callPage.getByRole('button', { name: 'Answer', exact: true }).click();

    const app = callPage.locator('#call-app');
    await eventually(async () => {
      expect(await app.getAttribute('data-state')).toBe('active');
      expect(await statusOf()).toBe('active');
    }, 15_000);
    const pageBytes = async () => Number(await app.getAttribute('data-bytes-received'));
    const agentBytes = async () =>
      Number(await callView().getAttribute('data-bytes-received', { timeout: 2000 }));
    let first = { visitor: 0, agent: 0 };
    await eventually(async () => {
      first = { visitor: await pageBytes(), agent: await agentBytes() };
      expect(first.visitor).toBeGreaterThan(0);
      expect(first.agent).toBeGreaterThan(0);
    }, 20_000);
    await eventually(async () => {
      expect(await pageBytes()).toBeGreaterThan(first.visitor);
      expect(await agentBytes()).toBeGreaterThan(first.agent);
    }, 20_000);
    await screenshot(callPage, 'call-visitor-answer-page');
    // The visitor's network changes: its page (the callee) asks the agent to restart ICE; then the
    // agent's does, and offers anew. Both times new credentials on both sides, and audio goes on.
    await networkChangeRestartsIce(customerSide(callPage), agentSide(agentPage), 'online');
    await networkChangeRestartsIce(agentSide(agentPage), customerSide(callPage), 'connection change');

    await callView().getByRole('button', { name: 'Hang up' }).click();
    await eventually(async () => expect(await app.getAttribute('data-state')).toBe('ended'), 10_000);
    await eventually(async () => expect(await statusOf()).toBe('ended'), 10_000);
  }, 120_000);

  it('shows the agent `rejected` when the visitor declines in the widget, and disables the action once the visitor leaves', async () => {
    const { context, frame } = await visitorOnSite('Not now, thanks');
    await agentPage.getByTestId('call-visitor').click();
    await ringing(frame).waitFor({ timeout: 15_000 });
    await press(frame.getByTestId('widget-decline-call'));
    await ringing(frame).waitFor({ state: 'detached' });
    await eventually(async () => expect(await statusOf()).toBe('rejected'), 10_000);

    // The visitor leaves the site: the action turns disabled, saying why.
    await context.close();
    const offline = agentPage.locator('[data-testid="call-visitor"][data-online="false"]');
    await offline.waitFor({ timeout: 30_000 });
    expect(await offline.isDisabled()).toBe(true);
    expect(await offline.getAttribute('title')).toBe('The visitor is not on the website right now');
  }, 90_000);
});
