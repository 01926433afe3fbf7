import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { CredentialsCipher } from '@parley/domain/services/credentials-cipher';
import { CredentialsBoundToChannel1764500000000 } from '../migrations/1764500000000-credentials-bound-to-channel';
import { startApi, TestApp } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';

describe('contacts and channels', () => {
  let api: TestApp;
  let ws: Workspace;
  let channelId: string;
  beforeAll(async () => {
    api = await startApi();
    ws = await signupWorkspace(api);
    channelId = (await createChannel(api, ws.workspaceId)).id;
  });
  afterAll(() => api.close());

  const contactOf = async (customer: Parameters<typeof customerWrites>[3]) =>
    (await customerWrites(api, ws.workspaceId, channelId, customer)).message.sender!.id as string;

  describe('contacts', () => {
    it('lists newest first with a cursor, and searches name, username, phone and email', async () => {
      const zahra = await contactOf({ name: 'زهرا کریمی', username: 'zahra_k' });
      const omar = await contactOf({ name: 'Omar Haddad', username: 'omar_h' });
      await ws.http.patch(`/api/v1/contacts/${omar}`, {
        phone: '+966 50 123 4567',
        email: 'Omar@Example.test',
      });
      const search = async (q: string) =>
        (await ws.http.get(`/api/v1/contacts?q=${encodeURIComponent(q)}`)).body.data.map(
          (c: { id: string }) => c.id,
        );
      expect(await search('زهرا')).toEqual([zahra]);
      expect(await search('ZAHRA_K')).toEqual([zahra]);
      expect(await search('966501')).toEqual([omar]);
      expect(await search('omar@example')).toEqual([omar]);

      const first = await ws.http.get('/api/v1/contacts?limit=1');
      expect(first.body.data[0].id).toBe(omar);
      const second = await ws.http.get(`/api/v1/contacts?limit=1&cursor=${first.body.next_cursor}`);
      expect(second.body.data[0].id).toBe(zahra);
    });

    it('shows a contact with its identities', async () => {
      const id = await contactOf({ userId: 'tg-4242', name: 'Lena' });
      const res = await ws.http.get(`/api/v1/contacts/${id}`);
      expect(res.body).toMatchObject({
        id,
        name: 'Lena',
        identities: [{ channel_id: channelId, platform_user_id: 'tg-4242', unreachable: false }],
      });
    });

    it('updates fields; a phone in any international form (Persian digits too) is stored as E.164; null clears', async () => {
      const id = await contactOf({ name: 'Before' });
      const res = await ws.http.patch(`/api/v1/contacts/${id}`, {
        name: 'After',
        username: '@after',
        phone: '+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷',
        email: 'After@Example.test',
        avatar_url: 'https://cdn.example.test/a.png',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'After',
        username: 'after',
        phone: '+989121234567',
        email: 'after@example.test',
        avatar_url: 'https://cdn.example.test/a.png',
      });
      const cleared = await ws.http.patch(`/api/v1/contacts/${id}`, { phone: null, email: null });
      expect(cleared.body).toMatchObject({ phone: null, email: null, name: 'After' });
    });

    it.each([
      [{ phone: '12345' }, 'invalid_phone'],
      [{ email: 'nope' }, 'validation_failed'],
      [{ avatar_url: 'javascript:alert(1)' }, 'validation_failed'],
    ])('refuses %p with 400 %s', async (body, code) => {
      const id = await contactOf({});
      const res = await ws.http.patch(`/api/v1/contacts/${id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
    });
  });

  describe('channels', () => {
    it('connects Telegram and Instagram, and never returns a credential or the webhook secret', async () => {
      const sim = api.environment.simulator;
      const token = sim.newBotToken();
      const telegram = await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'Bot',
        bot_token: token,
      });
      expect(telegram.status).toBe(201);
      expect(telegram.body).toMatchObject({
        type: 'telegram',
        name: 'Bot',
        status: 'active',
        external_id: token.split(':')[0],
        webhook_url: `${api.config.publicUrl}/webhooks/telegram/${telegram.body.id}`,
      });
      const account = sim.newInstagramAccount();
      const instagram = await ws.http.post('/api/v1/channels', {
        type: 'instagram',
        name: 'DMs',
        ig_user_id: account.igUserId,
        access_token: account.accessToken,
      });
      expect(instagram.status).toBe(201);
      expect(instagram.body.webhook_url).toBe(`${api.config.publicUrl}/webhooks/instagram`);

      const [row] = await api.db.query(
        'SELECT credentials_encrypted, webhook_secret FROM channel WHERE id = $1',
        [telegram.body.id],
      );
      expect(row.credentials_encrypted).not.toContain(token);
      const cipher = api.get(CredentialsCipher);
      expect(cipher.decrypt(row.credentials_encrypted, telegram.body.id).bot_token).toBe(token);
      // Bound to its channel: the same ciphertext on the Instagram channel's row does not open.
      expect(() => cipher.decrypt(row.credentials_encrypted, instagram.body.id)).toThrow();
      const everything = JSON.stringify([
        telegram.body,
        instagram.body,
        (await ws.http.get('/api/v1/channels')).body,
        (await ws.http.get(`/api/v1/channels/${telegram.body.id}`)).body,
      ]);
      for (const secret of [token, account.accessToken, row.webhook_secret])
        expect(everything).not.toContain(secret);
    });

    it.each([
      [{ type: 'telegram', name: 'x' }, 'no bot token'],
      [{ type: 'telegram', name: 'x', bot_token: 'not-a-token' }, 'a malformed bot token'],
      [{ type: 'instagram', name: 'x', ig_user_id: '123' }, 'no Instagram access token'],
      [{ type: 'whatsapp', name: 'x' }, 'an unknown type'],
    ])('refuses %p (%s) with 400 validation_failed', async (body: object, _label: string) => {
      const res = await ws.http.post('/api/v1/channels', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });

    it('renames and rotates a bot token, still hidden; deleting keeps its conversations readable', async () => {
      const sim = api.environment.simulator;
      const created = await ws.http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'Old',
        bot_token: sim.newBotToken(),
      });
      const renamed = await ws.http.patch(`/api/v1/channels/${created.body.id}`, { name: 'New' });
      expect(renamed.body.name).toBe('New');
      const { message } = await customerWrites(api, ws.workspaceId, created.body.id, { text: 'keep me' });
      expect((await ws.http.delete(`/api/v1/channels/${created.body.id}`)).status).toBe(204);
      expect((await ws.http.get(`/api/v1/channels/${created.body.id}`)).status).toBe(404);
      expect((await ws.http.get('/api/v1/channels')).body.map((c: { id: string }) => c.id)).not.toContain(
        created.body.id,
      );
      const conversation = await ws.http.get(`/api/v1/conversations/${message.conversation_id}`);
      expect(conversation.status).toBe(200);
      expect(conversation.body.channel.name).toBe('New');
    });

    it('credentials stored before they were bound to their channel are re-sealed by the migration, and work', async () => {
      const { id } = await createChannel(api, ws.workspaceId, 'Legacy');
      // What the previous format looked like: AES-256-GCM under the same key, no associated data.
      const key = createHash('sha256').update(api.config.encryptionKey).digest();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const token = api.environment.simulator.newBotToken();
      const body = Buffer.concat([cipher.update(JSON.stringify({ bot_token: token })), cipher.final()]);
      const v1 = ['v1', iv, cipher.getAuthTag(), body].map((p) =>
        typeof p === 'string' ? p : p.toString('base64url'),
      );
      await api.db.query('UPDATE channel SET credentials_encrypted = $2 WHERE id = $1', [id, v1.join('.')]);

      const runner = api.db.createQueryRunner();
      try {
        await new CredentialsBoundToChannel1764500000000().up(runner);
      } finally {
        await runner.release();
      }
      const [row] = await api.db.query('SELECT credentials_encrypted FROM channel WHERE id = $1', [id]);
      expect(row.credentials_encrypted).toMatch(/^v2\./);
      expect(api.get(CredentialsCipher).decrypt(row.credentials_encrypted, id)).toEqual({ bot_token: token });
    });

    it('only admins connect, change or delete channels; agents read them', async () => {
      const agent = await addAgent(api, ws);
      expect((await agent.http.get('/api/v1/channels')).status).toBe(200);
      expect((await agent.http.get(`/api/v1/channels/${channelId}`)).status).toBe(200);
      const attempts = [
        await agent.http.post('/api/v1/channels', {
          type: 'telegram',
          name: 'x',
          bot_token: api.environment.simulator.newBotToken(),
        }),
        await agent.http.patch(`/api/v1/channels/${channelId}`, { name: 'x' }),
        await agent.http.delete(`/api/v1/channels/${channelId}`),
      ];
      for (const res of attempts) expect([res.status, res.body.code]).toEqual([403, 'admin_only']);
    });
  });
});
