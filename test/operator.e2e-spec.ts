import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { addAgent, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';
import { WsClient } from './support/ws';

/**
 * Instance-wide security belongs to the instance's operator; each workspace's admins see their
 * own workspace only, and trust their own office addresses.
 */
describe('operator and workspace security views', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  /** The instance's first account: its operator (OPERATOR_EMAILS is not set here). */
  let operator: Workspace;
  let tenantA: Workspace;
  let tenantB: Workspace;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    environment = await freshEnvironment({
      AUTH_FAILURES_BEFORE_BLOCK: '5',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '1000',
    });
    api = await startApi(environment);
    operator = await signupWorkspace(api);
    tenantA = await signupWorkspace(api);
    tenantB = await signupWorkspace(api);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  const from = (ip: string) => new HttpClient(api.url, { headers: { 'x-forwarded-for': ip } });
  const failLogins = async (ip: string, email: string, times: number) => {
    for (let i = 0; i < times; i++) {
      const res = await from(ip).post('/api/v1/auth/login', { email, password: `wrong ${i}` });
      expect(res.status).toBe(401);
    }
  };

  it('the first account is the operator; others are told operator_only', async () => {
    expect((await operator.http.get('/api/v1/auth/me')).body.is_operator).toBe(true);
    expect((await tenantA.http.get('/api/v1/auth/me')).body.is_operator).toBe(false);
    for (const path of ['summary', 'blacklist']) {
      const res = await tenantA.http.get(`/api/v1/operator/security/${path}`);
      expect([res.status, res.body.code]).toEqual([403, 'operator_only']);
    }
    const lift = await tenantA.http.delete('/api/v1/operator/security/blacklist/203.0.113.1');
    expect(lift.status).toBe(403);
  });

  it('guesses at unknown accounts reach the operator, not the workspaces; the operator lifts the block', async () => {
    const attacker = '203.0.113.50';
    for (let i = 0; i < 5; i++) {
      await from(attacker).post('/api/v1/auth/login', { email: `nobody${i}@example.test`, password: 'x' });
    }
    const blocked = await from(attacker).post('/api/v1/auth/login', {
      email: tenantA.email,
      password: tenantA.password,
    });
    expect(blocked.body.code).toBe('ip_blocked');

    const instance = await operator.http.get('/api/v1/operator/security/summary?hours=1');
    expect(instance.status).toBe(200);
    expect(instance.body.unattributed_failed_authentications).toBeGreaterThanOrEqual(5);
    expect(instance.body.blacklisted_now).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ip: attacker, workspace_ids: [], unattributed_failures: 5 }),
      ]),
    );
    // No workspace admin sees it: it was aimed at none of them.
    for (const tenant of [tenantA, tenantB]) {
      expect((await tenant.http.get('/api/v1/admin/security/blacklist')).body).toEqual([]);
      const summary = await tenant.http.get('/api/v1/admin/security/summary?hours=1');
      expect(JSON.stringify(summary.body)).not.toContain(attacker);
    }
    expect((await operator.http.delete(`/api/v1/operator/security/blacklist/${attacker}`)).status).toBe(204);
    expect(
      (await from(attacker).post('/api/v1/auth/login', { email: tenantA.email, password: tenantA.password }))
        .status,
    ).toBe(200);
  });

  it('an admin sees attempts against its own workspace only, never another tenant’s id, and cannot lift a shared block', async () => {
    const attacker = '203.0.113.51';
    await failLogins(attacker, tenantA.email, 3);
    await failLogins(attacker, tenantB.email, 2);

    const seenByA = await tenantA.http.get('/api/v1/admin/security/blacklist');
    expect(seenByA.body).toEqual([
      expect.objectContaining({ ip: attacker, failures: 3, can_unblock: false }),
    ]);
    expect(JSON.stringify(seenByA.body)).not.toContain(tenantB.workspaceId);
    const seenByB = await tenantB.http.get('/api/v1/admin/security/blacklist');
    expect(seenByB.body).toEqual([
      expect.objectContaining({ ip: attacker, failures: 2, can_unblock: false }),
    ]);
    const summaryA = await tenantA.http.get('/api/v1/admin/security/summary?hours=1');
    expect(summaryA.body.failed_authentications).toBe(3);
    expect(JSON.stringify(summaryA.body)).not.toContain(tenantB.workspaceId);

    const refused = await tenantA.http.delete(`/api/v1/admin/security/blacklist/${attacker}`, { lang: 'fa' });
    expect([refused.status, refused.body.code]).toEqual([403, 'ip_block_shared']);
    expect(refused.body.message).toMatch(/گرداننده/);
    // An address that never failed here is simply not found for this admin.
    expect((await tenantA.http.delete('/api/v1/admin/security/blacklist/203.0.113.250')).status).toBe(404);
    // Nor is one blocked for failures at another workspace only: that block is not A's to see or lift.
    const elsewhere = '203.0.113.52';
    await failLogins(elsewhere, tenantB.email, 5);
    expect(JSON.stringify((await tenantA.http.get('/api/v1/admin/security/blacklist')).body)).not.toContain(
      elsewhere,
    );
    expect((await tenantA.http.delete(`/api/v1/admin/security/blacklist/${elsewhere}`)).status).toBe(404);
    expect((await tenantB.http.delete(`/api/v1/admin/security/blacklist/${elsewhere}`)).status).toBe(204);

    const all = await operator.http.get('/api/v1/operator/security/blacklist');
    const block = all.body.find((entry: { ip: string }) => entry.ip === attacker);
    expect(block).toMatchObject({ failures: 5, unattributed_failures: 0 });
    expect(block.workspace_ids.sort()).toEqual([tenantA.workspaceId, tenantB.workspaceId].sort());
    expect((await operator.http.delete(`/api/v1/operator/security/blacklist/${attacker}`)).status).toBe(204);
    expect((await tenantA.http.get('/api/v1/admin/security/blacklist')).body).toEqual([]);
  });

  it("a workspace's trusted office address is never blocked or counted for its own sign-ins", async () => {
    const office = '198.51.100.20';
    const bad = await tenantA.http.put('/api/v1/admin/security/trusted-ips', { ips: ['not an ip'] });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    const agent = await addAgent(api, tenantA);
    expect((await agent.http.put('/api/v1/admin/security/trusted-ips', { ips: [office] })).status).toBe(403);
    const set = await tenantA.http.put('/api/v1/admin/security/trusted-ips', { ips: ['198.51.100.0/24'] });
    expect(set.body).toEqual({ ips: ['198.51.100.0/24'] });
    expect((await tenantA.http.get('/api/v1/admin/security/trusted-ips')).body.ips).toEqual([
      '198.51.100.0/24',
    ]);

    // A colleague who mistypes five times from the office does not block it.
    await failLogins(office, agent.email, 5);
    const stillOpen = await from(office).post('/api/v1/auth/login', {
      email: tenantA.email,
      password: tenantA.password,
    });
    expect(stillOpen.status).toBe(200);

    // Someone else behind the same address guesses at another tenant: the address is blocked...
    await failLogins(office, tenantB.email, 5);
    const forB = await from(office).post('/api/v1/auth/login', {
      email: tenantB.email,
      password: tenantB.password,
    });
    expect(forB.body.code).toBe('ip_blocked');
    // ...but not for the workspace that trusts it: sign-in, REST and sockets.
    const login = await from(office).post('/api/v1/auth/login', {
      email: tenantA.email,
      password: tenantA.password,
    });
    expect(login.status).toBe(200);
    expect((await from(office).get('/api/v1/conversations', { token: login.body.access_token })).status).toBe(
      200,
    );
    const socket = await WsClient.connect(api.url, '/ws/notifications/', {
      token: login.body.access_token,
      headers: { 'x-forwarded-for': office },
    });
    sockets.push(socket);
    await socket.next((f) => f.type === 'ready');
    const blockedForB = await WsClient.connect(api.url, '/ws/notifications/', {
      token: tenantB.token,
      headers: { 'x-forwarded-for': office },
    }).catch((e) => e);
    expect(blockedForB.status).toBe(403);
    const [recorded] = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event
        WHERE kind = 'auth_failed' AND ip = $1 AND workspace_id = $2 AND detail->>'trusted_address' = 'true'`,
      [office, tenantA.workspaceId],
    );
    expect(recorded.n).toBe(5);
    // Who trusted what stays on record.
    const [change] = await api.db.query(
      `SELECT agent_id, detail FROM security_event WHERE kind = 'policy_changed' AND workspace_id = $1`,
      [tenantA.workspaceId],
    );
    expect(change).toEqual({ agent_id: tenantA.adminId, detail: { trusted_ips: ['198.51.100.0/24'] } });
    await operator.http.delete(`/api/v1/operator/security/blacklist/${office}`);
  });
});

describe('account slow-down per (account, IP)', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let victim: Workspace;

  beforeAll(async () => {
    // The IP blacklist out of the way: this is about the account rule alone.
    environment = await freshEnvironment({ AUTH_FAILURES_BEFORE_BLOCK: '1000' });
    api = await startApi(environment);
    victim = await signupWorkspace(api);
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  const from = (ip: string) => new HttpClient(api.url, { headers: { 'x-forwarded-for': ip } });

  it('slows down the guessing IP, the same whether the account exists or not, and never the real owner elsewhere', async () => {
    const tries = async (email: string, ip: string) => {
      const answers: [number, string | undefined][] = [];
      for (let i = 0; i < 7; i++) {
        const res = await from(ip).post('/api/v1/auth/login', { email, password: 'nope' });
        answers.push([res.status, res.body.code]);
      }
      return answers;
    };
    const existing = await tries(victim.email, '192.0.2.10');
    const ghost = await tries('nobody-at-all@example.test', '192.0.2.11');
    const expected = [
      ...Array(5).fill([401, 'invalid_credentials']),
      [429, 'too_many_attempts'],
      [429, 'too_many_attempts'],
    ];
    expect(existing).toEqual(expected);
    expect(ghost).toEqual(expected);
    const wait = await from('192.0.2.10').post('/api/v1/auth/login', {
      email: victim.email,
      password: 'nope',
    });
    expect(Number(wait.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The real admin, from their own network, is not locked out by the attacker.
    const owner = await from('192.0.2.99').post('/api/v1/auth/login', {
      email: victim.email,
      password: victim.password,
    });
    expect(owner.status).toBe(200);
  });
});

describe('OPERATOR_EMAILS and TRUST_PROXY hop counts', () => {
  let environment: TestEnvironment;
  let api: TestApp;

  beforeAll(async () => {
    environment = await freshEnvironment({ OPERATOR_EMAILS: 'ops@example.test', TRUST_PROXY: '1' });
    api = await startApi(environment);
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  it('OPERATOR_EMAILS names the operator; the first account then is not', async () => {
    const first = await signupWorkspace(api);
    const ops = await signupWorkspace(api, { email: 'ops@example.test' });
    expect((await first.http.get('/api/v1/auth/me')).body.is_operator).toBe(false);
    expect((await first.http.get('/api/v1/operator/security/summary')).status).toBe(403);
    expect((await ops.http.get('/api/v1/auth/me')).body.is_operator).toBe(true);
    expect((await ops.http.get('/api/v1/operator/security/summary')).status).toBe(200);
  });

  it('with one trusted hop, the address the proxy saw is the client, not what the client claimed', async () => {
    const http = new HttpClient(api.url, { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.77' } });
    await http.post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'x' });
    const rows = await api.db.query(`SELECT ip FROM security_event WHERE kind = 'auth_failed'`);
    expect(rows.map((r: { ip: string }) => r.ip)).toEqual(['203.0.113.77']);
  });
});
