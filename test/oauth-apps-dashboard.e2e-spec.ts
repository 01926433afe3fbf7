import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { screenshot, signIn, Stack, startStack } from './support/browser';
import { HttpClient } from './support/http';

/**
 * OAuth apps in Chromium: the browser an app sends to /oauth/authorize lands on the dashboard's
 * consent page (signing in first when needed), sees the app and its scopes in the agent's language,
 * and returns to the app with a code or access_denied; the Apps page registers and uninstalls.
 */
describe('OAuth apps in the dashboard', () => {
  let stack: Stack;
  let shop: { email: string; password: string; token: string };
  let dev: HttpClient;
  /** The app's own server: its redirect URI, on this machine (Chromium has no other network). */
  let callback: Server;
  let redirectUri: string;
  const contexts: BrowserContext[] = [];
  type PageGlobals = {
    localStorage: { setItem(key: string, value: string): void };
    document: { documentElement: { dir: string } };
  };

  const signup = async (workspace: string) => {
    const password = 'correct horse battery staple';
    const res = await stack.http.post('/api/v1/auth/signup', {
      workspace_name: workspace,
      name: `${workspace} Admin`,
      email: `oauth-${randomBytes(4).toString('hex')}@example.test`,
      password,
    });
    expect(res.status).toBe(201);
    return { email: res.body.agent.email as string, password, token: res.body.access_token as string };
  };
  const pkce = () => {
    const verifier = randomBytes(48).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };
  const authorizeUrl = (clientId: string, challenge: string) =>
    `${stack.apiUrl}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'conversations:read messages:write',
      state: 'st4te',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString()}`;
  const register = async () => {
    const res = await dev.post('/api/v1/oauth-apps', {
      name: 'Order sync',
      redirect_uris: [redirectUri],
      scopes: ['conversations:read', 'messages:write'],
      homepage_url: 'https://orders.example',
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; client_id: string; client_secret: string };
  };

  beforeAll(async () => {
    callback = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<p id="landed">${req.url?.length ?? 0}</p>`);
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/parley/callback`;
    stack = await startStack();
    const developer = await signup('Orders Inc');
    dev = stack.http.as(developer.token);
    shop = await signup('Rose Shop');
  }, 60000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => callback?.close(resolve));
  });

  it('an admin signs in from the authorize link, approves on the consent page, the app gets working tokens, and the Apps page uninstalls it', async () => {
    const app = await register();
    const { verifier, challenge } = pkce();
    const context = await stack.browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();

    // Not signed in: the sign-in form first, then straight on to the consent page.
    await page.goto(authorizeUrl(app.client_id, challenge));
    await page.getByLabel('Email').fill(shop.email);
    await page.getByLabel('Password').fill(shop.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Install an app', level: 1 }).waitFor();
    expect(await page.getByTestId('consent-app').textContent()).toBe('Order sync');
    expect(await page.getByTestId('consent').textContent()).toContain('Orders Inc');
    expect(await page.getByTestId('consent-scope-messages:write').textContent()).toContain(
      'Send replies and private notes',
    );
    expect(await page.getByTestId('consent-scope-conversations:read').textContent()).toContain(
      'List and read conversations',
    );

    await screenshot(page, 'oauth-consent');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.toString().startsWith(redirectUri));
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code')!;

    const exchanged = await fetch(`${stack.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_id: app.client_id,
        client_secret: app.client_secret,
      }).toString(),
    });
    expect(exchanged.status).toBe(200);
    const tokens = (await exchanged.json()) as { access_token: string };
    const asApp = new HttpClient(stack.apiUrl).as(tokens.access_token);
    expect((await asApp.get('/api/v1/conversations')).status).toBe(200);

    // The Apps page lists it as installed, and uninstalling (after a confirmation) stops it at once.
    await page.goto(`${stack.apiUrl}/#/apps`);
    const row = page.getByTestId('installed-app-row').filter({ hasText: 'Order sync' });
    await row.waitFor();
    expect(await row.textContent()).toContain('conversations:read, messages:write');
    expect(await row.textContent()).toContain('Orders Inc');
    await screenshot(page, 'oauth-apps-page');

    // Its activity (the installation's principal): the call outside its scopes is on record.
    expect((await asApp.get('/api/v1/contacts')).body.code).toBe('scope_missing');
    await row.getByRole('button', { name: 'Activity' }).click();
    const activity = page.getByTestId('app-activity');
    await activity.getByRole('heading', { name: 'Activity of “Order sync”' }).waitFor();
    await activity.locator('[data-testid="activity-events"][data-value="1"]').waitFor();
    expect(await activity.getByTestId('activity-sent').getAttribute('data-value')).toBe('0');
    expect(await activity.getByTestId('activity-last-used').textContent()).not.toContain('Never');
    expect(await activity.getByTestId('activity-recent').textContent()).toContain('API key lacked a scope');

    await row.getByRole('button', { name: 'Uninstall' }).click();
    await row.getByText('Uninstall “Order sync”?').waitFor();
    await row.getByRole('button', { name: 'Uninstall now' }).click();
    await page.getByText('No apps installed.').waitFor();
    expect((await asApp.get('/api/v1/conversations')).status).toBe(401);
  });

  it('the consent page speaks the agent’s language (fa, right to left), and Deny returns access_denied', async () => {
    const app = await register();
    const { context, page } = await signIn(stack, shop);
    contexts.push(context);
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).localStorage.setItem('parley.language', 'fa'),
    );
    await page.goto(authorizeUrl(app.client_id, pkce().challenge));
    await page.getByRole('heading', { name: 'نصب برنامه', level: 1 }).waitFor();
    expect(await page.getByTestId('consent-scope-messages:write').textContent()).toContain(
      'ارسال پاسخ و یادداشت خصوصی',
    );
    expect(await page.getByTestId('consent-scope-conversations:read').textContent()).toContain(
      'فهرست و خواندن گفتگوها',
    );
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.dir),
    ).toBe('rtl');
    await screenshot(page, 'oauth-consent-fa');
    await page.getByRole('button', { name: 'رد' }).click();
    await page.waitForURL((url) => url.toString().startsWith(redirectUri));
    const back = new URL(page.url());
    expect([back.searchParams.get('error'), back.searchParams.get('state')]).toEqual([
      'access_denied',
      'st4te',
    ]);
  });

  it('a signed-in agent who is no admin is told only admins install', async () => {
    const app = await register();
    const email = `agent-${randomBytes(4).toString('hex')}@example.test`;
    const invite = await stack.http
      .as(shop.token)
      .post('/api/v1/agents', { name: 'Sam', email, role: 'agent' });
    const password = 'another good password';
    expect(
      (
        await stack.http.post('/api/v1/auth/accept-invite', {
          invite_token: invite.body.invite_token,
          password,
        })
      ).status,
    ).toBe(201);
    const { context, page } = await signIn(stack, { email, password });
    contexts.push(context);
    await page.goto(authorizeUrl(app.client_id, pkce().challenge));
    await page.getByTestId('consent-admins-only').waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });

  it('an admin registers an app on the Apps page and sees its client secret once', async () => {
    const { context, page } = await signIn(stack, shop);
    contexts.push(context);
    await page.getByTestId('nav-apps').click();
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Rose CRM');
    await page.getByLabel('Redirect URIs').fill('https://crm.example/callback');
    await page.getByTestId('app-scope-contacts:read').check();
    await page.getByRole('button', { name: 'Register app' }).click();
    const secret = page.getByTestId('new-app-secret-value');
    await secret.waitFor();
    const value = (await secret.textContent())!;
    expect(value).toMatch(/^pcs_[A-Za-z0-9_-]{43}$/);
    const row = page.getByTestId('your-app-row').filter({ hasText: 'Rose CRM' });
    await row.waitFor();
    expect(await row.textContent()).toContain('https://crm.example/callback');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(value);
  });
});
