import * as jwt from 'jsonwebtoken';
import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { addAgent, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { eventually, WsClient } from './support/ws';

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
    sub: string;
    wsp: string;
    role: string;
    sid: string;
    ver: number;
    exp: number;
  };

/**
 * What a genuine client sends after sleep, a refresh race or a sign-out elsewhere is answered
 * and recorded but never blacklists its office; sockets live no longer than their session.
 */
describe('sessions', () => {
  let environment: TestEnvironment;
  let a: TestApp;
  let b: TestApp;
  let ws: Workspace;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    environment = await freshEnvironment({
      AUTH_FAILURES_BEFORE_BLOCK: '5',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
    });
    // Two api instances on one database and Redis prefix: a session ends on both.
    a = await startApi(environment);
    b = await startApi(environment);
    ws = await signupWorkspace(a);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await environment.close();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
  const open = async (api: TestApp, path: string, options: Parameters<typeof WsClient.connect>[2]) => {
    const client = await WsClient.connect(api.url, path, options);
    sockets.push(client);
    return client;
  };
  /** A genuine token of `session` (same sign-in and version) with its own lifetime. */
  const tokenLike = (session: string, expiresInSeconds: number) => {
    const { sub, wsp, role, sid, ver } = claimsOf(session);
    return jwt.sign({ sub, wsp, role, sid, ver }, a.config.jwt.secret, {
      issuer: 'parley',
      audience: 'parley-agents',
      expiresIn: expiresInSeconds,
    });
  };
  const authFailures = (ip: string) =>
    a.db.query(
      `SELECT detail->>'reason' AS reason, (detail->>'counted')::boolean AS counted
         FROM security_event WHERE kind = 'auth_failed' AND ip = $1 ORDER BY created_at`,
      [ip],
    ) as Promise<{ reason: string; counted: boolean }[]>;

  describe('what counts toward the blacklist', () => {
    it('10 handshakes with an expired token from one IP (tabs waking from sleep): recorded, not counted; a correct login still succeeds', async () => {
      const office = '203.0.113.40';
      const expired = tokenLike(ws.token, -60);
      for (let i = 0; i < 10; i++) {
        const refused = await WsClient.connect(a.url, '/ws/notifications/', {
          token: expired,
          ...from(office),
        }).catch((e) => e);
        expect([refused.status, JSON.parse(refused.body).code]).toEqual([401, 'token_expired']);
      }
      const login = await new HttpClient(a.url, from(office)).post('/api/v1/auth/login', {
        email: ws.email,
        password: ws.password,
      });
      expect(login.status).toBe(200);
      const recorded = await authFailures(office);
      expect(recorded).toHaveLength(10);
      expect(recorded.every((r) => r.reason === 'websocket_token_expired' && !r.counted)).toBe(true);
    });

    it('missing tokens and an ended session are not guesses either', async () => {
      const office = '203.0.113.41';
      for (let i = 0; i < 6; i++) {
        const refused = await WsClient.connect(a.url, '/ws/conversations/', from(office)).catch((e) => e);
        expect(refused.status).toBe(401);
      }
      const session = await new HttpClient(a.url).post('/api/v1/auth/login', {
        email: ws.email,
        password: ws.password,
      });
      await new HttpClient(a.url)
        .as(session.body.access_token)
        .post('/api/v1/auth/logout', { refresh_token: session.body.refresh_token });
      for (let i = 0; i < 6; i++) {
        const refused = await WsClient.connect(a.url, '/ws/conversations/', {
          token: session.body.access_token,
          ...from(office),
        }).catch((e) => e);
        expect([refused.status, JSON.parse(refused.body).code]).toEqual([401, 'session_ended']);
      }
      expect(
        (await new HttpClient(a.url, from(office)).get('/api/v1/auth/me', { token: ws.token })).status,
      ).toBe(200);
    });

    it('a spent refresh token from tabs that lost a refresh race is refused, never counted', async () => {
      const office = '203.0.113.42';
      const http = new HttpClient(a.url, from(office));
      const login = await http.post('/api/v1/auth/login', { email: ws.email, password: ws.password });
      const winner = await http.post('/api/v1/auth/refresh', { refresh_token: login.body.refresh_token });
      expect(winner.status).toBe(200);
      for (let i = 0; i < 6; i++) {
        const loser = await http.post('/api/v1/auth/refresh', { refresh_token: login.body.refresh_token });
        expect([loser.status, loser.body.code]).toEqual([401, 'refresh_token_reused']);
      }
      expect((await http.get('/api/v1/auth/me', { token: winner.body.access_token })).status).toBe(200);
      expect((await authFailures(office)).every((r) => !r.counted)).toBe(true);
    });

    it('guesses still count: forged socket tokens, made-up refresh tokens, forged bearer tokens', async () => {
      const attacker = '198.51.100.77';
      const http = new HttpClient(a.url, from(attacker));
      const forged = jwt.sign(claimsOf(ws.token), 'not-the-secret-'.repeat(3));
      await WsClient.connect(a.url, '/ws/notifications/', { token: forged, ...from(attacker) }).catch(
        (e) => e,
      );
      await WsClient.connect(a.url, '/ws/notifications/', { token: 'garbage', ...from(attacker) }).catch(
        (e) => e,
      );
      expect((await http.post('/api/v1/auth/refresh', { refresh_token: 'made-up' })).status).toBe(401);
      expect((await http.get('/api/v1/conversations', { token: forged })).status).toBe(401);
      expect((await http.post('/api/v1/auth/login', { email: ws.email, password: 'wrong' })).status).toBe(
        401,
      );
      const blocked = await http.post('/api/v1/auth/login', { email: ws.email, password: ws.password });
      expect([blocked.status, blocked.body.code]).toEqual([403, 'ip_blocked']);
      expect((await authFailures(attacker)).map((r) => r.counted)).toEqual([true, true, true, true, true]);
    });
  });

  describe('sockets live no longer than their session', () => {
    it('closes a socket with 4001 when its token expires', async () => {
      const shortLived = tokenLike(ws.token, 3);
      const expiresAt = claimsOf(shortLived).exp * 1000;
      const socket = await open(a, '/ws/notifications/', { token: shortLived });
      await socket.next((f) => f.type === 'ready');
      expect(await socket.closed(10_000)).toBe(4001);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
      expect(socket.closeReason).toBe('token expired');
    });

    it('an `auth` frame with a fresh token keeps the socket open past the first one’s expiry', async () => {
      const shortLived = tokenLike(ws.token, 2);
      const expiresAt = claimsOf(shortLived).exp * 1000;
      const socket = await open(a, '/ws/conversations/', { token: shortLived });
      await socket.next((f) => f.type === 'ready');
      // Someone else's token, or a forged one, renews nothing.
      const colleague = await addAgent(a, ws);
      socket.send({ type: 'auth', token: colleague.token });
      expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_frame' });
      socket.send({ type: 'auth', token: 'garbage' });
      expect((await socket.next((f) => f.type === 'error' && f.code === 'unauthorized')).code).toBe(
        'unauthorized',
      );
      socket.send({ type: 'auth', token: tokenLike(ws.token, 600) });
      const ok = await socket.next((f) => f.type === 'auth_ok');
      expect(Date.parse(ok.expires_at)).toBeGreaterThan(Date.now() + 500_000);
      // Well past the first token's expiry, the socket still answers.
      await eventually(() => expect(Date.now()).toBeGreaterThan(expiresAt + 1500), 6000);
      socket.send({ type: 'ping' });
      await socket.next((f) => f.type === 'pong');
      expect(socket.closeCode).toBeNull();
    });

    it('logout closes that sign-in’s sockets at once on every instance, and only those', async () => {
      const agent = await addAgent(a, ws);
      const http = new HttpClient(a.url);
      const first = await http.post('/api/v1/auth/login', {
        email: agent.email,
        password: 'another good password',
      });
      const second = await http.post('/api/v1/auth/login', {
        email: agent.email,
        password: 'another good password',
      });
      const onA = await open(a, '/ws/notifications/', { token: first.body.access_token });
      const onB = await open(b, '/ws/conversations/', { token: first.body.access_token });
      const other = await open(b, '/ws/notifications/', { token: second.body.access_token });
      for (const socket of [onA, onB, other]) await socket.next((f) => f.type === 'ready');

      const out = await http.post(
        '/api/v1/auth/logout',
        { refresh_token: first.body.refresh_token },
        { token: first.body.access_token },
      );
      expect(out.status).toBe(204);
      expect(await onA.closed()).toBe(4001);
      expect(await onB.closed()).toBe(4001);
      // Its access token is over too, at once, not when it expires.
      const after = await http.get('/api/v1/auth/me', { token: first.body.access_token });
      expect([after.status, after.body.code]).toEqual([401, 'session_ended']);
      // The other sign-in goes on.
      other.send({ type: 'ping' });
      await other.next((f) => f.type === 'pong');
      expect(other.closeCode).toBeNull();
      expect((await http.get('/api/v1/auth/me', { token: second.body.access_token })).status).toBe(200);
    });

    it('an ended sign-in, replayed to a socket opened later, does not close it', async () => {
      const agent = await addAgent(a, ws);
      const http = new HttpClient(a.url);
      const old = await http.post('/api/v1/auth/login', {
        email: agent.email,
        password: 'another good password',
      });
      await http.post('/api/v1/auth/logout', {}, { token: old.body.access_token }); // every sign-in ends
      const fresh = await http.post('/api/v1/auth/login', {
        email: agent.email,
        password: 'another good password',
      });
      // Resuming from the start replays the logout's event; this socket signed in after it.
      const socket = await open(b, '/ws/conversations/', { token: fresh.body.access_token, since: 0 });
      socket.send({ type: 'ping' });
      await socket.next((f) => f.type === 'pong');
      expect(socket.closeCode).toBeNull();
      const [{ n }] = await a.db.query(
        `SELECT count(*)::int AS n FROM event WHERE type = 'agent.session_ended' AND payload->>'user_id' = $1`,
        [agent.id],
      );
      expect(n).toBe(1);
    });

    it('a password change ends every sign-in (tokens and sockets) and continues with fresh tokens', async () => {
      const agent = await addAgent(a, ws);
      const http = new HttpClient(a.url);
      const elsewhere = await http.post('/api/v1/auth/login', {
        email: agent.email,
        password: 'another good password',
      });
      const mine = await open(a, '/ws/notifications/', { token: agent.token });
      const theirs = await open(b, '/ws/notifications/', { token: elsewhere.body.access_token });
      await mine.next((f) => f.type === 'ready');
      await theirs.next((f) => f.type === 'ready');

      const wrong = await agent.http.post('/api/v1/auth/password', {
        current_password: 'not it',
        new_password: 'a brand new password',
      });
      expect([wrong.status, wrong.body.code]).toEqual([403, 'invalid_credentials']);
      const changed = await agent.http.post('/api/v1/auth/password', {
        current_password: 'another good password',
        new_password: 'a brand new password',
      });
      expect(changed.status).toBe(200);
      expect(await mine.closed()).toBe(4001);
      expect(await theirs.closed()).toBe(4001);
      for (const stale of [agent.token, elsewhere.body.access_token])
        expect((await http.get('/api/v1/auth/me', { token: stale })).body.code).toBe('session_ended');
      expect(
        (await http.post('/api/v1/auth/refresh', { refresh_token: elsewhere.body.refresh_token })).status,
      ).toBe(401);
      expect((await http.get('/api/v1/auth/me', { token: changed.body.access_token })).status).toBe(200);
      const socket = await open(b, '/ws/notifications/', { token: changed.body.access_token });
      await socket.next((f) => f.type === 'ready');
      expect(
        (await http.post('/api/v1/auth/login', { email: agent.email, password: 'a brand new password' }))
          .status,
      ).toBe(200);
    });

    it('a role change closes the agent’s sockets (4001) on every instance; they reconnect into the new role', async () => {
      const agent = await addAgent(a, ws);
      const onA = await open(a, '/ws/conversations/', { token: agent.token });
      const onB = await open(b, '/ws/notifications/', { token: agent.token });
      await onA.next((f) => f.type === 'ready');
      await onB.next((f) => f.type === 'ready');
      await ws.http.patch(`/api/v1/agents/${agent.id}`, { role: 'admin' });
      expect(await onA.closed()).toBe(4001);
      expect(await onB.closed()).toBe(4001);
      expect(onA.closeReason).toBe('role changed');
      const again = await open(b, '/ws/notifications/', { token: agent.token });
      await again.next((f) => f.type === 'ready');
      expect((await agent.http.get('/api/v1/admin/security/policy')).status).toBe(200);
    });
  });
});
