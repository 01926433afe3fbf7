import jwt from 'jsonwebtoken';
import { ar } from '@parley/errors/i18n/ar';
import { en } from '@parley/errors/i18n/en';
import { fa } from '@parley/errors/i18n/fa';
import { startApi, TestApp } from './support/app';
import { signupWorkspace } from './support/factories';
import { HttpClient } from './support/http';

describe('auth', () => {
  let api: TestApp;
  let http: HttpClient;
  beforeAll(async () => {
    api = await startApi();
    http = new HttpClient(api.url);
  });
  afterAll(() => api.close());

  const signup = (email: string, extra: Record<string, unknown> = {}) =>
    http.post('/api/v1/auth/signup', {
      workspace_name: 'Acme Support',
      name: 'Sara',
      email,
      password: 'a long enough password',
      ...extra,
    });
  const sign = (claims: object, options: jwt.SignOptions = {}, secret = api.config.jwt.secret) =>
    jwt.sign(claims, secret, { issuer: 'parley', audience: 'parley-agents', expiresIn: 60, ...options });

  describe('signup', () => {
    it('creates a workspace and its first admin, and answers tokens that work', async () => {
      const res = await signup('Sara@Example.test');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        expires_in: 900,
        agent: {
          id: expect.any(String),
          name: 'Sara',
          email: 'sara@example.test',
          role: 'admin',
          is_operator: true,
        },
        workspace: { id: expect.any(String), name: 'Acme Support' },
      });
      const me = await http.as(res.body.access_token).get('/api/v1/auth/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: res.body.agent.id, role: 'admin', is_active: true });
    });

    it('stores the password as an argon2id hash, never the password', async () => {
      await signup('hash@example.test', { password: 'correct horse battery' });
      const [row] = await api.db.query(`SELECT password_hash FROM agent WHERE email = 'hash@example.test'`);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain('correct horse battery');
    });

    it('refuses an email already taken, whatever its case, with 409 email_taken', async () => {
      await signup('taken@example.test');
      const again = await signup('TAKEN@example.test');
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('email_taken');
    });

    it.each([
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['a short password', { password: 'short' }, 'password'],
      ['no workspace name', { workspace_name: undefined }, 'workspace_name'],
      ['an unknown field', { is_admin: true }, 'is_admin'],
    ])('refuses %s with 400 validation_failed naming the field', async (_label, override, field) => {
      const res = await signup(`v${Math.random()}@example.test`, override);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('refuses a body that is not JSON with invalid_json, in the caller’s language', async () => {
      const res = await http.post('/api/v1/auth/signup', undefined, { raw: '{"email": ', lang: 'fa' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'invalid_json', message: fa.invalid_json });
    });
  });

  describe('login', () => {
    beforeAll(() => signup('login@example.test'));

    it('answers tokens for the right password', async () => {
      const res = await http.post('/api/v1/auth/login', {
        email: 'LOGIN@example.test',
        password: 'a long enough password',
      });
      expect(res.status).toBe(200);
      expect(res.body.agent.email).toBe('login@example.test');
    });

    it('gives a wrong password and an unknown email the same 401, in en, fa and ar', async () => {
      for (const [lang, texts] of [
        ['en', en],
        ['fa-IR', fa],
        ['ar', ar],
      ] as const) {
        const wrong = await http.post(
          '/api/v1/auth/login',
          { email: 'login@example.test', password: 'nope nope' },
          { lang },
        );
        const unknown = await http.post(
          '/api/v1/auth/login',
          { email: 'nobody@example.test', password: 'nope nope' },
          { lang },
        );
        expect(wrong.status).toBe(401);
        expect(wrong.body).toEqual(unknown.body);
        expect(wrong.body).toEqual({
          statusCode: 401,
          code: 'invalid_credentials',
          message: texts.invalid_credentials,
        });
      }
    });
  });

  describe('refresh tokens', () => {
    it('rotate: the new pair works and the old refresh token is spent', async () => {
      const session = await signupWorkspace(api);
      const rotated = await http.post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token).not.toBe(session.refreshToken);
      expect((await http.as(rotated.body.access_token).get('/api/v1/auth/me')).status).toBe(200);
    });

    it('a spent refresh token used again revokes its whole family, but not other sign-ins', async () => {
      const session = await signupWorkspace(api);
      const otherLogin = await http.post('/api/v1/auth/login', {
        email: session.email,
        password: session.password,
      });
      const second = await http.post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
      const third = await http.post('/api/v1/auth/refresh', { refresh_token: second.body.refresh_token });
      expect(third.status).toBe(200);

      // Replayed well after it was spent (not a tab that just lost a refresh race).
      await api.db.query(
        `UPDATE refresh_token SET used_at = used_at - interval '1 minute' WHERE family_id = (
           SELECT family_id FROM refresh_token WHERE agent_id = $1 ORDER BY created_at LIMIT 1)`,
        [session.adminId],
      );
      const replay = await http.post('/api/v1/auth/refresh', { refresh_token: session.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('refresh_token_reused');
      const newest = await http.post('/api/v1/auth/refresh', { refresh_token: third.body.refresh_token });
      expect(newest.status).toBe(401);
      // The stolen family's access tokens stop at once too.
      expect((await http.as(third.body.access_token).get('/api/v1/auth/me')).body.code).toBe('session_ended');

      const unrelated = await http.post('/api/v1/auth/refresh', {
        refresh_token: otherLogin.body.refresh_token,
      });
      expect(unrelated.status).toBe(200);
    });

    it('two concurrent uses of one refresh token (two tabs racing): one wins, the other is refused, the sign-in lives on', async () => {
      const session = await signupWorkspace(api);
      const results = await Promise.all(
        [1, 2].map(() => http.post('/api/v1/auth/refresh', { refresh_token: session.refreshToken })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const [winner, loser] = results[0].status === 200 ? results : [results[1], results[0]];
      expect(loser.body.code).toBe('refresh_token_reused');
      // The losing tab's refusal did not end the winner's sign-in.
      expect((await http.as(winner.body.access_token).get('/api/v1/auth/me')).status).toBe(200);
      const next = await http.post('/api/v1/auth/refresh', { refresh_token: winner.body.refresh_token });
      expect(next.status).toBe(200);
    });

    it('refuses an unknown refresh token', async () => {
      const res = await http.post('/api/v1/auth/refresh', { refresh_token: 'made-up' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_refresh_token');
    });
  });

  describe('logout', () => {
    it('ends the sign-in of the given refresh token', async () => {
      const session = await signupWorkspace(api);
      const out = await session.http.post('/api/v1/auth/logout', { refresh_token: session.refreshToken });
      expect(out.status).toBe(204);
      expect((await http.post('/api/v1/auth/refresh', { refresh_token: session.refreshToken })).status).toBe(
        401,
      );
    });

    it('without a refresh token ends every sign-in of the agent', async () => {
      const session = await signupWorkspace(api);
      const other = await http.post('/api/v1/auth/login', {
        email: session.email,
        password: session.password,
      });
      expect((await session.http.post('/api/v1/auth/logout', {})).status).toBe(204);
      expect(
        (await http.post('/api/v1/auth/refresh', { refresh_token: other.body.refresh_token })).status,
      ).toBe(401);
    });

    it('needs a bearer token', async () => {
      expect((await http.post('/api/v1/auth/logout', {})).status).toBe(401);
    });
  });

  describe('access tokens', () => {
    let session: Awaited<ReturnType<typeof signupWorkspace>>;
    beforeAll(async () => {
      session = await signupWorkspace(api);
    });
    const claims = () => ({
      sub: session.adminId,
      wsp: session.workspaceId,
      role: 'admin',
      sid: (JSON.parse(Buffer.from(session.token.split('.')[1], 'base64url').toString()) as { sid: string })
        .sid,
      ver: 0,
    });
    const noneToken = () =>
      [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
        Buffer.from(
          JSON.stringify({ ...claims(), iss: 'parley', aud: 'parley-agents', exp: 9999999999 }),
        ).toString('base64url'),
        '',
      ].join('.');

    it('work for a correctly signed token', async () => {
      expect((await http.as(sign(claims())).get('/api/v1/auth/me')).status).toBe(200);
    });

    it.each([
      ['an expired token', () => sign(claims(), { expiresIn: -5 }), 'token_expired'],
      ['an alg:none token', noneToken, 'unauthorized'],
      ['a token signed with another secret', () => sign(claims(), {}, 'x'.repeat(40)), 'unauthorized'],
      ['a token for another audience', () => sign(claims(), { audience: 'someone-else' }), 'unauthorized'],
      ['a token from another issuer', () => sign(claims(), { issuer: 'evil' }), 'unauthorized'],
      ['an HS512 token', () => sign(claims(), { algorithm: 'HS512' }), 'unauthorized'],
      ['garbage', () => 'garbage', 'unauthorized'],
    ])('refuse %s with 401', async (_label, token, code) => {
      const res = await http.as(token()).get('/api/v1/auth/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
    });

    it('are required: no token is 401 unauthorized', async () => {
      const res = await http.get('/api/v1/conversations');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
    });
  });

  describe('invitations', () => {
    it('an invite token sets a password once and answers tokens as at login', async () => {
      const admin = await signupWorkspace(api);
      const invite = await admin.http.post('/api/v1/agents', {
        name: 'Reza',
        email: 'reza@example.test',
        role: 'agent',
      });
      expect(invite.status).toBe(201);
      const short = await http.post('/api/v1/auth/accept-invite', {
        invite_token: invite.body.invite_token,
        password: 'short',
      });
      expect(short.status).toBe(400);
      const accepted = await http.post('/api/v1/auth/accept-invite', {
        invite_token: invite.body.invite_token,
        password: 'reza has a good password',
      });
      expect(accepted.status).toBe(201);
      expect(accepted.body).toMatchObject({
        agent: { email: 'reza@example.test', role: 'agent' },
        workspace: { id: admin.workspaceId },
      });
      const again = await http.post('/api/v1/auth/accept-invite', {
        invite_token: invite.body.invite_token,
        password: 'another good password',
      });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('invalid_invite_token');
      const login = await http.post('/api/v1/auth/login', {
        email: 'reza@example.test',
        password: 'reza has a good password',
      });
      expect(login.status).toBe(200);
    });

    it('an invited agent cannot log in before accepting', async () => {
      const admin = await signupWorkspace(api);
      await admin.http.post('/api/v1/agents', {
        name: 'Pending',
        email: 'pending@example.test',
        role: 'agent',
      });
      const res = await http.post('/api/v1/auth/login', {
        email: 'pending@example.test',
        password: 'anything at all',
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });
  });
});
