import { createHash, randomBytes } from 'node:crypto';
import { OAuthTokenService, PRUNE_AFTER_DAYS } from '@parley/domain/oauth/oauth-token.service';
import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { WsClient } from './support/ws';

/**
 * OAuth apps over real HTTP: a developer's workspace registers an app; an admin of another
 * workspace installs it through /oauth/authorize, the consent page's calls and a PKCE code
 * exchange at /oauth/token; the app then acts within its scopes as itself, its refresh tokens
 * rotate, replays revoke, and uninstalling stops every token at once.
 */
describe('OAuth apps', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  /** A second api instance on the same database and Redis, as a replica behind a load balancer. */
  let second: TestApp;
  let dev: Workspace;
  let shop: Workspace;
  let channelId: string;
  const REDIRECT = 'https://orders.example/parley/callback';

  interface App {
    id: string;
    client_id: string;
    client_secret: string;
    name: string;
  }
  interface Tokens {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    token_type: string;
    scope: string;
  }

  const pkce = () => {
    const verifier = randomBytes(48).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };
  let appCount = 0;
  const register = async (
    scopes = ['conversations:read', 'messages:write'],
    owner: Workspace = dev,
    extra: Record<string, unknown> = {},
  ): Promise<App> => {
    const res = await owner.http.post('/api/v1/oauth-apps', {
      name: `Order sync ${++appCount}`,
      redirect_uris: [REDIRECT, 'http://localhost:8080/cb'],
      scopes,
      description: 'Keeps orders and conversations in step',
      homepage_url: 'https://orders.example',
      ...extra,
    });
    expect([res.status, res.body.code]).toEqual([201, undefined]);
    return res.body;
  };
  const authorizeQuery = (app: App, challenge: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: app.client_id,
    redirect_uri: REDIRECT,
    scope: 'conversations:read messages:write',
    state: 'xyz-state',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();
  /** A browser's GET that does not follow redirects. */
  const browse = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
  /** The consent page's Approve, as the signed-in admin: the code from the redirect URL. */
  const approve = async (
    app: App,
    challenge: string,
    admin: Workspace = shop,
    extra: Record<string, string> = {},
  ) => {
    const res = await admin.http.post('/api/v1/oauth/authorizations', authorizeQuery(app, challenge, extra));
    expect([res.status, res.body.code]).toEqual([200, undefined]);
    const url = new URL(res.body.redirect_url);
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
    expect(url.searchParams.get('state')).toBe(extra.state ?? 'xyz-state');
    return url.searchParams.get('code')!;
  };
  /** POST /oauth/token as an OAuth client library sends it: form-encoded, the client in HTTP Basic. */
  const token = async (app: App, form: Record<string, string>, secret = app.client_secret) => {
    const res = await fetch(`${api.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${app.client_id}:${secret}`).toString('base64')}`,
      },
      body: qs(form),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };
  const exchange = (app: App, code: string, verifier: string, redirectUri = REDIRECT) =>
    token(app, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
  /** Register (optionally), authorize, approve and exchange: an installed app's tokens. */
  const install = async (app: App, admin: Workspace = shop, extra: Record<string, string> = {}) => {
    const { verifier, challenge } = pkce();
    const code = await approve(app, challenge, admin, extra);
    const res = await exchange(app, code, verifier);
    expect([res.status, res.body.error]).toEqual([200, undefined]);
    return res.body as Tokens;
  };
  const as = (accessToken: string, server: TestApp = api) => new HttpClient(server.url).as(accessToken);
  const installationOf = async (app: App, admin: Workspace = shop) =>
    (
      (await admin.http.get('/api/v1/oauth-installations')).body as { id: string; app: { id: string } }[]
    ).find((i) => i.app.id === app.id) as
      { id: string; api_key_id: string; scopes: string[]; [key: string]: unknown } | undefined;
  const securityKinds = async (admin: Workspace = shop) =>
    (await admin.http.get('/api/v1/admin/security/summary')).body.counts_by_kind as Record<string, number>;

  beforeAll(async () => {
    environment = await freshEnvironment({
      API_KEY_MESSAGES_PER_MINUTE: '3',
      AUTH_FAILURES_BEFORE_BLOCK: '1000',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
    });
    api = await startApi(environment);
    second = await startApi(environment);
    dev = await signupWorkspace(api, { name: 'Orders Inc' });
    shop = await signupWorkspace(api, { name: 'Rose Shop' });
    channelId = (await createChannel(api, shop.workspaceId)).id;
  });
  afterAll(async () => {
    await second.close();
    await api.close();
    await environment.close();
  });

  it('a developer registers an app: client secret shown once, kept only as a hash, never listed', async () => {
    const app = await register();
    expect(app).toMatchObject({
      client_id: expect.stringMatching(/^pcl_[0-9a-f]{32}$/),
      client_secret: expect.stringMatching(/^pcs_[A-Za-z0-9_-]{43}$/),
      redirect_uris: [REDIRECT, 'http://localhost:8080/cb'],
      scopes: ['conversations:read', 'messages:write'],
      homepage_url: 'https://orders.example',
      installations: 0,
      created_by: { id: dev.adminId, name: 'Admin' },
    });
    const list = await dev.http.get('/api/v1/oauth-apps');
    expect(list.status).toBe(200);
    expect(list.body.map((a: App) => a.id)).toContain(app.id);
    expect(JSON.stringify(list.body)).not.toContain(app.client_secret);
    const [row] = await api.db.query(`SELECT * FROM oauth_app WHERE id = $1`, [app.id]);
    expect(JSON.stringify(row)).not.toContain(app.client_secret);

    // Rotating answers a new secret once; the old one stops authenticating at once.
    const rotated = await dev.http.post(`/api/v1/oauth-apps/${app.id}/rotate-secret`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.client_secret).not.toBe(app.client_secret);
    const old = await token(app, { grant_type: 'refresh_token', refresh_token: 'por_x' });
    expect([old.status, old.body.error]).toEqual([401, 'invalid_client']);
    const fresh = await token(
      { ...app, client_secret: rotated.body.client_secret },
      { grant_type: 'refresh_token', refresh_token: 'por_x' },
    );
    expect([fresh.status, fresh.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('registration refuses bad redirect URIs, names and scopes with stable codes in en, fa and ar', async () => {
    const bad = async (body: Record<string, unknown>, lang = 'en') =>
      dev.http.post(
        '/api/v1/oauth-apps',
        { name: 'X', redirect_uris: [REDIRECT], scopes: ['conversations:read'], ...body },
        { lang },
      );
    for (const uri of [
      'http://orders.example/cb',
      'https://orders.example/cb#x',
      'javascript:alert(1)',
      'https://u:p@orders.example/',
    ])
      expect((await bad({ redirect_uris: [uri] })).body.code).toBe('oauth_redirect_uris_invalid');
    expect((await bad({ redirect_uris: [] })).body.code).toBe('oauth_redirect_uris_invalid');
    expect((await bad({ redirect_uris: 'https://orders.example/cb' })).body.code).toBe(
      'oauth_redirect_uris_invalid',
    );
    expect((await bad({ name: '' })).body.code).toBe('oauth_app_name_invalid');
    expect((await bad({ scopes: ['admin:everything'] })).body.code).toBe('api_key_scopes_invalid');
    expect((await bad({ homepage_url: 'ftp://x' })).body.code).toBe('oauth_app_homepage_invalid');
    const fa = await bad({ redirect_uris: ['http://orders.example/cb'] }, 'fa');
    const ar = await bad({ redirect_uris: ['http://orders.example/cb'] }, 'ar');
    expect([fa.status, ar.status]).toEqual([400, 400]);
    expect(fa.body.message).toContain('نشانی بازگشت');
    expect(ar.body.message).toContain('إعادة توجيه');
  });

  it('installs through authorize, consent and a PKCE exchange; the app acts within its scopes, as itself', async () => {
    const app = await register();
    const { verifier, challenge } = pkce();

    // The browser arrives from the app and is sent to the dashboard's consent page with the request.
    const start = await browse(`/oauth/authorize?${qs(authorizeQuery(app, challenge))}`);
    expect(start.status).toBe(302);
    expect(start.location).toMatch(/^\/#\/oauth\/authorize\?/);
    const consentQuery = start.location!.split('?')[1];
    expect(new URLSearchParams(consentQuery).get('client_id')).toBe(app.client_id);

    // The consent page shows the app, who registered it and the scopes.
    const consent = await shop.http.get(`/api/v1/oauth/consent?${consentQuery}`);
    expect(consent.status).toBe(200);
    expect(consent.body).toEqual({
      app: {
        name: app.name,
        description: 'Keeps orders and conversations in step',
        homepage_url: 'https://orders.example',
        workspace_name: 'Orders Inc',
      },
      scopes: ['conversations:read', 'messages:write'],
      redirect_uri: REDIRECT,
      can_install: true,
      installed_scopes: null,
    });

    const code = await approve(app, challenge);
    const exchanged = await exchange(app, code, verifier);
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(exchanged.body).toEqual({
      access_token: expect.stringMatching(/^poa_[A-Za-z0-9_-]{43}$/),
      refresh_token: expect.stringMatching(/^por_[A-Za-z0-9_-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'conversations:read messages:write',
    });
    const tokens = exchanged.body as Tokens;
    const [stored] = await api.db.query(`SELECT count(*)::int AS n FROM oauth_token WHERE token_hash = $1`, [
      tokens.access_token,
    ]);
    expect(stored.n).toBe(0);

    // Within scope: 200, and only its installing workspace's data.
    const { message } = await customerWrites(api, shop.workspaceId, channelId, {
      text: 'Where is order 42?',
    });
    const conversationId = message.conversation_id;
    const list = await as(tokens.access_token).get('/api/v1/conversations');
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toContain(conversationId);

    // Outside scope: 403 scope_missing, recorded for the admins.
    const refused = await as(tokens.access_token).get('/api/v1/contacts');
    expect([refused.status, refused.body.code]).toEqual([403, 'scope_missing']);
    // Agents-only routes and the agents' sockets stay closed to it.
    expect((await as(tokens.access_token).get('/api/v1/api-keys')).body.code).toBe('agents_only');
    const socket = await WsClient.connect(api.url, '/ws/conversations/', {
      token: tokens.access_token,
      protocol: true,
    }).catch((error: { status: number; body: string }) => error);
    expect(socket).toMatchObject({ status: 403, body: expect.stringContaining('agents_only') });

    // What it sends is the app's: the sender names it.
    const installation = (await installationOf(app))!;
    const sent = await as(tokens.access_token).post(
      `/api/v1/message/conversation/${conversationId}/send-message/`,
      {
        content: 'Order 42 ships tomorrow',
        type: 'support',
      },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.sender).toEqual({ kind: 'app', id: installation.api_key_id, name: app.name });
    const history = await shop.http.get(`/api/v1/conversations/${conversationId}/messages`);
    const echoed = history.body.data.find((m: { id: string }) => m.id === sent.body.id);
    expect(echoed.sender).toEqual({ kind: 'app', id: installation.api_key_id, name: app.name });

    // The installation as the shop's admins see it; the API keys page does not list it as a key.
    expect(installation).toMatchObject({
      app: {
        id: app.id,
        name: app.name,
        homepage_url: 'https://orders.example',
        workspace_name: 'Orders Inc',
      },
      scopes: ['conversations:read', 'messages:write'],
      installed_by: { id: shop.adminId, name: 'Admin' },
      last_used_at: expect.any(String),
    });
    const keys = (await shop.http.get('/api/v1/api-keys')).body as { id: string }[];
    expect(keys.map((k) => k.id)).not.toContain(installation.api_key_id);
    expect((await shop.http.delete(`/api/v1/api-keys/${installation.api_key_id}`)).status).toBe(404);
    expect((await dev.http.get(`/api/v1/oauth-apps/${app.id}`)).body.installations).toBe(1);
    const kinds = await securityKinds();
    expect(kinds.oauth_app_installed).toBeGreaterThanOrEqual(1);
    expect(kinds.scope_refused).toBeGreaterThanOrEqual(1);
  });

  it('an installed app has its own message budget, apart from agents and from other apps', async () => {
    const app = await register();
    const other = await register();
    const mine = as((await install(app)).access_token);
    const theirs = as((await install(other)).access_token);
    const { message } = await customerWrites(api, shop.workspaceId, channelId, { text: 'Any news?' });
    const post = (client: HttpClient, content: string) =>
      client.post(`/api/v1/message/conversation/${message.conversation_id}/send-message/`, {
        content,
        type: 'note',
      });
    for (let n = 0; n < 3; n++) expect((await post(mine, `app note ${n}`)).status).toBe(201);
    const refused = await post(mine, 'one too many');
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect((await post(theirs, 'the other app still writes')).status).toBe(201);
    expect((await post(shop.http, 'the agent still writes')).status).toBe(201);
  });

  it('a refresh token rotates; a spent one used again revokes the whole family at once', async () => {
    const app = await register();
    const first = await install(app);
    const rotated = await token(app, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(rotated.body.access_token).not.toBe(first.access_token);
    const next = rotated.body as Tokens;
    expect((await as(next.access_token).get('/api/v1/conversations')).status).toBe(200);

    // The spent token again: refused, and every token of the family with it, on every instance.
    const replay = await token(app, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect((await as(next.access_token).get('/api/v1/conversations')).status).toBe(401);
    expect((await as(next.access_token, second).get('/api/v1/conversations')).status).toBe(401);
    expect((await as(first.access_token).get('/api/v1/conversations')).status).toBe(401);
    const after = await token(app, { grant_type: 'refresh_token', refresh_token: next.refresh_token });
    expect([after.status, after.body.error]).toEqual([400, 'invalid_grant']);
    expect((await securityKinds()).oauth_token_family_revoked).toBeGreaterThanOrEqual(1);

    // The installation lives on: a new authorization gives working tokens again.
    const again = await install(app);
    expect((await as(again.access_token).get('/api/v1/conversations')).status).toBe(200);
  });

  it('two refreshes racing with one refresh token: one wins, the other is a reuse and revokes the family', async () => {
    const app = await register();
    const tokens = await install(app);
    const race = await Promise.all(
      [api, second].map((server) =>
        fetch(`${server.url}/oauth/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`,
          },
          body: qs({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
        }).then(async (res) => ({
          status: res.status,
          body: (await res.json()) as Partial<Tokens> & { error?: string },
        })),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = race.find((r) => r.status === 200)!;
    expect(race.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
    // The loser was a reuse: the winner's tokens are revoked with the family.
    expect((await as(winner.body.access_token!).get('/api/v1/conversations')).status).toBe(401);
  });

  it('a code is single-use: presented again it is refused and the tokens issued from it are revoked', async () => {
    const app = await register();
    const { verifier, challenge } = pkce();
    const code = await approve(app, challenge);
    const first = await exchange(app, code, verifier);
    expect(first.status).toBe(200);
    expect((await as(first.body.access_token).get('/api/v1/conversations')).status).toBe(200);
    const again = await exchange(app, code, verifier);
    expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);
    expect((await as(first.body.access_token).get('/api/v1/conversations')).status).toBe(401);
    const refreshed = await token(app, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
    });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('refuses a wrong code_verifier, another redirect_uri, an expired code, another app’s code and a plain challenge', async () => {
    const app = await register();
    const other = await register();

    const wrong = pkce();
    const code1 = await approve(app, wrong.challenge);
    const bad = await exchange(app, code1, pkce().verifier);
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_grant']);
    // The failed try spent the code: not even the right verifier gets it now.
    expect((await exchange(app, code1, wrong.verifier)).body.error).toBe('invalid_grant');

    const p2 = pkce();
    const code2 = await approve(app, p2.challenge);
    const mismatch = await exchange(app, code2, p2.verifier, 'http://localhost:8080/cb');
    expect([mismatch.status, mismatch.body.error]).toEqual([400, 'invalid_grant']);

    const p3 = pkce();
    const code3 = await approve(app, p3.challenge);
    await api.db.query(
      `UPDATE oauth_code SET expires_at = now() - interval '1 second' WHERE app_id = $1 AND used_at IS NULL`,
      [app.id],
    );
    expect((await exchange(app, code3, p3.verifier)).body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('expired'),
    });

    const p4 = pkce();
    const code4 = await approve(app, p4.challenge);
    expect((await exchange(other, code4, p4.verifier)).body.error).toBe('invalid_grant');

    const missing = await token(app, { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);

    // PKCE is required, and only S256: the authorize request goes back to the app with invalid_request.
    const plain = await browse(
      `/oauth/authorize?${qs(authorizeQuery(app, p4.verifier, { code_challenge_method: 'plain' }))}`,
    );
    expect(plain.status).toBe(302);
    const back = new URL(plain.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('xyz-state');
    const none = await browse(`/oauth/authorize?${qs({ ...authorizeQuery(app, ''), code_challenge: '' })}`);
    expect(new URL(none.location!).searchParams.get('error')).toBe('invalid_request');
    const approvePlain = await shop.http.post(
      '/api/v1/oauth/authorizations',
      authorizeQuery(app, p4.verifier, { code_challenge_method: 'plain' }),
    );
    expect([approvePlain.status, approvePlain.body.code]).toEqual([400, 'oauth_pkce_required']);
  });

  it('an unknown client or an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const app = await register();
    const { challenge } = pkce();
    for (const redirect of [
      'https://evil.example/steal',
      `${REDIRECT}/../../evil`,
      `${REDIRECT}?next=https://evil.example`,
      'https://orders.example.evil.example/parley/callback',
      'https://orders.example/parley/callbackx',
      '//evil.example/cb',
    ]) {
      const res = await browse(
        `/oauth/authorize?${qs(authorizeQuery(app, challenge, { redirect_uri: redirect }))}`,
      );
      expect([res.status, res.location]).toEqual([400, null]);
      expect(res.text).toContain('data-code="oauth_redirect_uri_mismatch"');
    }
    const noRedirect = await browse(
      `/oauth/authorize?${qs({ response_type: 'code', client_id: app.client_id })}`,
    );
    expect([noRedirect.status, noRedirect.location]).toEqual([400, null]);
    const unknown = await browse(
      `/oauth/authorize?${qs(authorizeQuery({ ...app, client_id: 'pcl_00000000000000000000000000000000' }, challenge))}`,
    );
    expect([unknown.status, unknown.location]).toEqual([400, null]);
    expect(unknown.text).toContain('data-code="oauth_client_unknown"');
    // The state is echoed nowhere as markup.
    const xss = await browse(
      `/oauth/authorize?${qs(authorizeQuery(app, challenge, { redirect_uri: 'https://evil.example', state: '<script>x</script>' }))}`,
    );
    expect(xss.text).not.toContain('<script>');
    // Approve and Deny check the same way, so neither can be steered elsewhere.
    const steered = await shop.http.post(
      '/api/v1/oauth/authorizations',
      authorizeQuery(app, challenge, { redirect_uri: 'https://evil.example/steal' }),
    );
    expect([steered.status, steered.body.code]).toEqual([400, 'oauth_redirect_uri_mismatch']);
    const deniedAway = await shop.http.post(
      '/api/v1/oauth/authorizations/deny',
      authorizeQuery(app, challenge, { redirect_uri: 'https://evil.example/steal' }),
    );
    expect(deniedAway.body.code).toBe('oauth_redirect_uri_mismatch');

    // Past the client checks, other errors go back to the app with state (RFC 6749 §4.1.2.1).
    const scope = await browse(
      `/oauth/authorize?${qs(authorizeQuery(app, challenge, { scope: 'contacts:write' }))}`,
    );
    expect(new URL(scope.location!).searchParams.get('error')).toBe('invalid_scope');
    const type = await browse(
      `/oauth/authorize?${qs(authorizeQuery(app, challenge, { response_type: 'token' }))}`,
    );
    expect(new URL(type.location!).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('Deny sends the browser back with access_denied and installs nothing', async () => {
    const app = await register();
    const res = await shop.http.post(
      '/api/v1/oauth/authorizations/deny',
      authorizeQuery(app, pkce().challenge),
    );
    expect(res.status).toBe(200);
    const url = new URL(res.body.redirect_url);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('xyz-state');
    expect(await installationOf(app)).toBeUndefined();
  });

  it('uninstall revokes every token at once on every instance; installing again starts afresh', async () => {
    const app = await register();
    const a = await install(app);
    const b = await install(app);
    const installation = (await installationOf(app))!;
    expect((await as(a.access_token).get('/api/v1/conversations')).status).toBe(200);
    const { challenge } = pkce();
    const pendingCode = await approve(app, challenge);

    expect((await shop.http.delete(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(204);
    for (const tokens of [a, b]) {
      expect((await as(tokens.access_token).get('/api/v1/conversations')).status).toBe(401);
      expect((await as(tokens.access_token, second).get('/api/v1/conversations')).status).toBe(401);
      expect(
        (await token(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error,
      ).toBe('invalid_grant');
    }
    expect((await exchange(app, pendingCode, 'x'.repeat(43))).body.error).toBe('invalid_grant');
    expect(await installationOf(app)).toBeUndefined();
    const uninstalled = (await securityKinds()).oauth_app_uninstalled;
    expect(uninstalled).toBeGreaterThanOrEqual(1);
    // The app's principal is revoked with it, and the event names the app.
    const [principal] = await api.db.query(`SELECT revoked_at FROM api_key WHERE id = $1`, [
      installation.api_key_id,
    ]);
    expect(principal.revoked_at).not.toBeNull();
    const [event] = await api.db.query(
      `SELECT detail FROM security_event WHERE kind = 'oauth_app_uninstalled' AND detail->>'oauth_installation_id' = $1`,
      [installation.id],
    );
    expect(event.detail).toMatchObject({ app_id: app.id, name: app.name });
    // Twice is harmless, and no second event.
    expect((await shop.http.delete(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(204);
    expect((await securityKinds()).oauth_app_uninstalled).toBe(uninstalled);

    const fresh = await install(app);
    const reinstalled = (await installationOf(app))!;
    expect(reinstalled.id).not.toBe(installation.id);
    expect(reinstalled.api_key_id).not.toBe(installation.api_key_id);
    expect((await as(fresh.access_token).get('/api/v1/conversations')).status).toBe(200);
    expect((await as(a.access_token).get('/api/v1/conversations')).status).toBe(401);
  });

  it("an installed app can be a channel's bot; uninstalling it hands the bot's conversations to people", async () => {
    const app = await register(['conversations:read', 'conversations:write', 'messages:write']);
    await install(app, shop, { scope: 'conversations:read conversations:write messages:write' });
    const installation = (await installationOf(app))!;
    const made = await shop.http.post('/api/v1/bots', {
      api_key_id: installation.api_key_id,
      channel_ids: [channelId],
    });
    expect([made.status, made.body.code]).toEqual([201, undefined]);
    const received = await customerWrites(api, shop.workspaceId, channelId, { text: 'hello bot' });
    const conversationId = received.message.conversation_id;
    const before = (await shop.http.get(`/api/v1/conversations/${conversationId}`)).body;
    expect(before.bot).toEqual({ id: installation.api_key_id, name: app.name });

    expect((await shop.http.delete(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(204);
    const after = (await shop.http.get(`/api/v1/conversations/${conversationId}`)).body;
    expect(after).toMatchObject({ bot: null, status: 'open' });
    expect((await shop.http.get('/api/v1/bots')).body.map((b: { id: string }) => b.id)).not.toContain(
      installation.api_key_id,
    );
    // The channel's next new customers go to people.
    const next = await customerWrites(api, shop.workspaceId, channelId, { text: 'anyone there?' });
    expect(
      (await shop.http.get(`/api/v1/conversations/${next.message.conversation_id}`)).body.bot,
    ).toBeNull();
  });

  it('installing an installed app again with other scopes replaces its grant; deleting the app uninstalls it', async () => {
    const app = await register(['conversations:read', 'messages:write', 'contacts:read']);
    const first = await install(app, shop, { scope: 'conversations:read' });
    expect((await as(first.access_token).get('/api/v1/contacts')).body.code).toBe('scope_missing');
    const { challenge } = pkce();
    const consent = await shop.http.get(
      `/api/v1/oauth/consent?${qs(authorizeQuery(app, challenge, { scope: 'conversations:read contacts:read' }))}`,
    );
    expect(consent.body.installed_scopes).toEqual(['conversations:read']);
    const second_ = await install(app, shop, { scope: 'conversations:read contacts:read' });
    expect(second_.scope).toBe('conversations:read contacts:read');
    // One installation, its grant replaced: the earlier token sees the new scopes too.
    expect((await as(first.access_token).get('/api/v1/contacts')).status).toBe(200);
    expect((await installationOf(app))!.scopes).toEqual(['conversations:read', 'contacts:read']);

    // The developer narrows the app: every installation narrows at once.
    const narrowed = await dev.http.patch(`/api/v1/oauth-apps/${app.id}`, {
      scopes: ['conversations:read'],
      name: 'Order sync v2',
    });
    expect(narrowed.status).toBe(200);
    expect((await as(first.access_token).get('/api/v1/contacts')).body.code).toBe('scope_missing');
    expect((await installationOf(app))!).toMatchObject({
      scopes: ['conversations:read'],
      app: { name: 'Order sync v2' },
    });

    expect((await dev.http.delete(`/api/v1/oauth-apps/${app.id}`)).status).toBe(204);
    expect((await as(second_.access_token).get('/api/v1/conversations')).status).toBe(401);
    expect(await installationOf(app)).toBeUndefined();
    expect((await browse(`/oauth/authorize?${qs(authorizeQuery(app, challenge))}`)).status).toBe(400);
  });

  it('tenants stay apart: other workspaces’ ids are 404, non-admins neither install nor manage', async () => {
    const app = await register();
    await install(app);
    const installation = (await installationOf(app))!;
    const other = await signupWorkspace(api);

    // Another workspace's installation and another workspace's app are not found.
    expect((await other.http.delete(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(404);
    expect((await other.http.get(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(404);
    expect((await other.http.get(`/api/v1/oauth-apps/${app.id}`)).status).toBe(404);
    expect((await other.http.patch(`/api/v1/oauth-apps/${app.id}`, { name: 'Mine now' })).status).toBe(404);
    expect((await other.http.post(`/api/v1/oauth-apps/${app.id}/rotate-secret`)).status).toBe(404);
    expect((await other.http.delete(`/api/v1/oauth-apps/${app.id}`)).status).toBe(404);
    expect((await shop.http.get(`/api/v1/oauth-apps/${app.id}`)).status).toBe(404);
    expect((await other.http.get('/api/v1/oauth-installations/not-a-uuid')).status).toBe(404);
    expect((await installationOf(app))!.id).toBe(installation.id);

    // The installation's token reaches only its own workspace.
    const tokens = await install(app);
    const { message } = await customerWrites(
      api,
      other.workspaceId,
      (await createChannel(api, other.workspaceId)).id,
    );
    const theirs = message.conversation_id;
    expect((await as(tokens.access_token).get(`/api/v1/conversations/${theirs}`)).status).toBe(404);

    // A non-admin sees that only admins install, and cannot approve or manage.
    const agent = await addAgent(api, shop, 'agent');
    const { challenge } = pkce();
    const consent = await agent.http.get(`/api/v1/oauth/consent?${qs(authorizeQuery(app, challenge))}`);
    expect([consent.status, consent.body.can_install]).toEqual([200, false]);
    const approveByAgent = await agent.http.post(
      '/api/v1/oauth/authorizations',
      authorizeQuery(app, challenge),
    );
    expect([approveByAgent.status, approveByAgent.body.code]).toEqual([403, 'admin_only']);
    expect((await agent.http.get('/api/v1/oauth-installations')).status).toBe(403);
    expect((await agent.http.delete(`/api/v1/oauth-installations/${installation.id}`)).status).toBe(403);
    expect(
      (
        await agent.http.post('/api/v1/oauth-apps', {
          name: 'x',
          redirect_uris: [REDIRECT],
          scopes: ['conversations:read'],
        })
      ).status,
    ).toBe(403);
    // An app's own token manages nothing of OAuth.
    expect((await as(tokens.access_token).get('/api/v1/oauth-installations')).body.code).toBe('agents_only');
    expect(
      (await as(tokens.access_token).post('/api/v1/oauth/authorizations', authorizeQuery(app, challenge)))
        .body.code,
    ).toBe('agents_only');
  });

  it('the token endpoint speaks OAuth: JSON or form, client in the body or Basic, its own error shape', async () => {
    const app = await register();
    const { verifier, challenge } = pkce();
    const code = await approve(app, challenge);
    // JSON, client in the body.
    const json = await new HttpClient(api.url).post('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    expect(json.status).toBe(200);
    expect(json.body.access_token).toMatch(/^poa_/);

    const wrongSecret = await token(
      app,
      { grant_type: 'refresh_token', refresh_token: json.body.refresh_token },
      'pcs_wrong',
    );
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(wrongSecret.headers.get('www-authenticate')).toBe('Basic realm="parley"');
    const noClient = await new HttpClient(api.url).post('/oauth/token', { grant_type: 'refresh_token' });
    expect([noClient.status, noClient.body.error]).toEqual([401, 'invalid_client']);
    expect((await token(app, { grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await token(app, { grant_type: 'refresh_token' })).body.error).toBe('invalid_request');
    const wider = await token(app, {
      grant_type: 'refresh_token',
      refresh_token: json.body.refresh_token,
      scope: 'contacts:write',
    });
    expect([wider.status, wider.body.error]).toEqual([400, 'invalid_scope']);
    // Garbage bodies are a 4xx, never a 500.
    for (const raw of ['', 'null', '[]', '{"grant_type": 42}', 'not json'])
      expect((await new HttpClient(api.url).post('/oauth/token', undefined, { raw })).status).toBeLessThan(
        500,
      );
    // Forged access tokens are 401.
    expect((await as('poa_' + 'A'.repeat(43)).get('/api/v1/conversations')).status).toBe(401);
    expect((await as('poa_short').get('/api/v1/conversations')).status).toBe(401);
    // An expired access token says so.
    await api.db.query(
      `UPDATE oauth_token SET expires_at = now() WHERE kind = 'access' AND revoked_at IS NULL`,
    );
    const expired = await as(json.body.access_token).get('/api/v1/conversations');
    expect([expired.status, expired.body.code]).toEqual([401, 'token_expired']);
    const renewed = await token(app, { grant_type: 'refresh_token', refresh_token: json.body.refresh_token });
    expect((await as(renewed.body.access_token).get('/api/v1/conversations')).status).toBe(200);
  });

  it('forgets codes and tokens long expired, and keeps live ones working', async () => {
    const app = await register();
    const old = await install(app);
    const live = await install(app);
    const installation = (await installationOf(app))!;
    // The first grant's code and tokens expired a month and a day ago; the second's are live.
    const oldFamily: { family_id: string }[] = await api.db.query(
      `SELECT family_id FROM oauth_token WHERE token_hash = $1`,
      [createHash('sha256').update(old.refresh_token).digest('hex')],
    );
    expect(oldFamily).toHaveLength(1);
    const past = `now() - make_interval(days => ${PRUNE_AFTER_DAYS + 1})`;
    await api.db.query(`UPDATE oauth_token SET expires_at = ${past} WHERE family_id = $1`, [oldFamily[0].family_id]);
    await api.db.query(`UPDATE oauth_code SET expires_at = ${past} WHERE family_id = $1`, [oldFamily[0].family_id]);
    const count = async () =>
      (
        await api.db.query(
          `SELECT (SELECT count(*) FROM oauth_token WHERE installation_id = $1)::int AS tokens,
                  (SELECT count(*) FROM oauth_code WHERE installation_id = $1)::int AS codes`,
          [installation.id],
        )
      )[0] as { tokens: number; codes: number };
    const before = await count();

    expect(await api.get(OAuthTokenService).prune()).toBeGreaterThanOrEqual(3);
    expect(await count()).toEqual({ tokens: before.tokens - 2, codes: before.codes - 1 });
    expect((await as(live.access_token).get('/api/v1/conversations')).status).toBe(200);
    expect((await token(app, { grant_type: 'refresh_token', refresh_token: live.refresh_token })).status).toBe(200);
    expect((await as(old.access_token).get('/api/v1/conversations')).status).toBe(401);
  });

  it('OpenAPI documents every app-facing OAuth route', async () => {
    const doc = (await new HttpClient(api.url).get('/api/docs-json')).body;
    for (const [path, method] of [
      ['/oauth/authorize', 'get'],
      ['/oauth/token', 'post'],
      ['/api/v1/oauth/consent', 'get'],
      ['/api/v1/oauth/authorizations', 'post'],
      ['/api/v1/oauth/authorizations/deny', 'post'],
      ['/api/v1/oauth-apps', 'post'],
      ['/api/v1/oauth-apps', 'get'],
      ['/api/v1/oauth-apps/{id}', 'get'],
      ['/api/v1/oauth-apps/{id}', 'patch'],
      ['/api/v1/oauth-apps/{id}', 'delete'],
      ['/api/v1/oauth-apps/{id}/rotate-secret', 'post'],
      ['/api/v1/oauth-installations', 'get'],
      ['/api/v1/oauth-installations/{id}', 'get'],
      ['/api/v1/oauth-installations/{id}', 'delete'],
    ])
      expect([path, method, doc.paths[path]?.[method]?.summary]).toEqual([path, method, expect.any(String)]);
    const tokenOp = doc.paths['/oauth/token'].post;
    expect(Object.keys(tokenOp.requestBody.content)).toEqual(
      expect.arrayContaining(['application/x-www-form-urlencoded', 'application/json']),
    );
    expect(doc.components.securitySchemes['api-key'].bearerFormat).toContain('poa_');
  });
});
