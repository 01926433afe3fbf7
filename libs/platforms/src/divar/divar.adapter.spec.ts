import { MediaHostAllowlist } from '@parley/config/media-hosts';
import type { ChannelAccess } from '../platform';
import { PlatformError } from '../platform-error';
import { CannedServer } from '../testing/canned-server';
import { divarButtons, DivarAdapter, splitRecipient } from './divar.adapter';

const channel = (credentials: Record<string, string> = {}): ChannelAccess => ({
  id: 'c0ffee00-0000-4000-8000-000000000001',
  type: 'divar',
  externalId: 'my-shop',
  credentials: {
    app_slug: 'my-shop',
    api_key: 'the-api-key',
    identification_key: 'the-identification-key',
    client_secret: 'the-client-secret',
    access_token: 'the-access-token',
    refresh_token: 'the-refresh-token',
    ...credentials,
  },
  webhookSecret: 'unused',
});

describe('DivarAdapter', () => {
  const divar = new CannedServer();
  let adapter: DivarAdapter;
  beforeAll(async () => {
    await divar.start();
    adapter = new DivarAdapter(
      {
        apiUrl: `${divar.origin}/api`,
        oauthUrl: `${divar.origin}/oauth`,
        uploadUrl: `${divar.origin}/upload`,
      },
      { hosts: MediaHostAllowlist.parse(''), timeoutMs: 1000 },
    );
  });
  afterAll(() => divar.stop());
  beforeEach(() => {
    divar.seen.length = 0;
    divar.answer = { status: 200, body: {} };
  });

  it('connects with the four panel fields and asks Divar nothing', async () => {
    await expect(
      adapter.connect({ app_slug: ' my-shop ', api_key: 'k', identification_key: 'i', client_secret: 's' }),
    ).resolves.toEqual({
      externalId: 'my-shop',
      credentials: { app_slug: 'my-shop', api_key: 'k', identification_key: 'i', client_secret: 's' },
    });
    await expect(adapter.connect({ app_slug: 'my-shop', api_key: 'k' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      reason: 'missing identification_key, client_secret',
    });
    expect(divar.seen).toHaveLength(0);
  });

  it('builds the authorize URL with space-separated scopes, %20-encoded', () => {
    const url = adapter.oauth.authorizeUrl(channel(), 'https://parley.example/oauth/divar/callback', 'st4te');
    expect(url).toBe(
      `${divar.origin}/oauth/oauth2/auth?response_type=code&client_id=my-shop` +
        '&redirect_uri=https%3A%2F%2Fparley.example%2Foauth%2Fdivar%2Fcallback' +
        '&scope=CHAT_SUPPLIER_ALL_CONVERSATIONS_READ%20CHAT_SUPPLIER_ALL_CONVERSATIONS_MESSAGE_SEND%20' +
        'CHAT_BOT_USER_MESSAGE_SEND%20USER_ID%20NOTIFICATION_ACCESS_REVOCATION%20offline_access&state=st4te',
    );
  });

  it('a refresh without a refresh token needs the owner again, without asking Divar', async () => {
    await expect(adapter.oauth.refresh(channel({ refresh_token: '' }))).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    expect(divar.seen).toHaveLength(0);
  });

  it('a refresh sends the current access token as code, form-encoded, and reads a missing expires_in as an hour; renewing subscribes with the new token', async () => {
    divar.answer = { status: 200, body: { access_token: 'new-at', refresh_token: 'new-rt' } };
    const grant = await adapter.oauth.refresh(channel());
    expect(divar.seen).toHaveLength(1);
    await adapter.oauth.renew(channel({ ...grant.credentials }));
    const [token, subscribe] = divar.seen;
    expect(token.path).toBe('/oauth/oauth2/token');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'the-refresh-token',
      code: 'the-access-token',
      client_id: 'my-shop',
      client_secret: 'the-client-secret',
    });
    expect(subscribe.path).toBe('/api/v1/open-platform/events/subscriptions');
    expect(subscribe.headers.authorization).toBe('Bearer new-at');
    expect(subscribe.headers['x-api-key']).toBe('the-api-key');
    expect(JSON.parse(subscribe.body)).toMatchObject({ event_type: 'NEW_MESSAGE_ON_POST' });
    expect(grant.credentials).toMatchObject({ access_token: 'new-at', refresh_token: 'new-rt' });
    const lifetime = grant.expiresAt!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(3590 * 1000);
    expect(lifetime).toBeLessThanOrEqual(3600 * 1000);
  });

  it.each([
    ['post:conv-1', '/api/v2/open-platform/conversations/conv-1/messages', { message: 'hi' }],
    ['bot:conv-2', '/api/v1/open-platform/chat/bot/conversations/conv-2/messages', { text_message: 'hi' }],
  ])('%s goes to its endpoint with the key and the token', async (recipientId, path, body) => {
    const { externalId } = await adapter.send(channel(), { recipientId, text: 'hi' });
    expect(externalId).toMatch(/^parley:[0-9a-f-]{36}$/);
    expect(divar.seen).toHaveLength(1);
    expect(divar.seen[0].path).toBe(path);
    expect(divar.seen[0].headers).toMatchObject({
      'x-api-key': 'the-api-key',
      authorization: 'Bearer the-access-token',
    });
    expect(JSON.parse(divar.seen[0].body)).toEqual(body);
  });

  it('a send refused with 412 code 9 is a blocked recipient', async () => {
    divar.answer = {
      status: 412,
      body: { code: 9, message: "message delivery failed due to recipient's restriction" },
    };
    const error = await adapter
      .send(channel(), { recipientId: 'post:c', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).code).toBe('blocked');
  });

  it('a recipient that is not a Divar conversation is refused before any call', () => {
    expect(() => splitRecipient('12345')).toThrow(PlatformError);
    expect(splitRecipient('bot:a:b')).toEqual(['bot', 'a:b']);
  });

  it('link buttons become rows of open_direct_link actions', () => {
    expect(divarButtons([[{ caption: 'Ad', url: 'https://divar.ir/v/x' }]])).toEqual({
      rows: [{ buttons: [{ action: { open_direct_link: 'https://divar.ir/v/x' }, caption: 'Ad' }] }],
    });
  });

  it('never fetches an attachment link off DIVAR_MEDIA_HOSTS', async () => {
    await expect(adapter.download(channel(), `${divar.origin}/anything.jpg`, 1000)).rejects.toMatchObject({
      code: 'url_refused',
    });
    expect(divar.seen).toHaveLength(0);
  });
});
