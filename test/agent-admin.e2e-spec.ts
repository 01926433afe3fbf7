import { startApi, TestApp } from './support/app';
import { addAgent, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

describe('agents and roles', () => {
  let api: TestApp;
  let admin: Workspace;
  beforeAll(async () => {
    api = await startApi();
    admin = await signupWorkspace(api);
  });
  afterAll(() => api.close());

  it('an admin invites an agent, who appears in the list and stops being pending once accepted', async () => {
    const invite = await admin.http.post('/api/v1/agents', {
      name: 'Maryam',
      email: 'maryam@example.test',
      role: 'agent',
    });
    expect(invite.status).toBe(201);
    expect(invite.body).toEqual({
      agent: expect.objectContaining({
        name: 'Maryam',
        role: 'agent',
        invitation_pending: true,
        is_active: true,
      }),
      invite_token: expect.any(String),
    });
    const list = await admin.http.get('/api/v1/agents');
    expect(list.body.map((a: { email: string }) => a.email)).toContain('maryam@example.test');
    await new HttpClient(api.url).post('/api/v1/auth/accept-invite', {
      invite_token: invite.body.invite_token,
      password: 'maryam password!',
    });
    const after = await admin.http.get(`/api/v1/agents/${invite.body.agent.id}`);
    expect(after.body.invitation_pending).toBe(false);
  });

  it('refuses an invite for an email used in any workspace, and an unknown role', async () => {
    const elsewhere = await signupWorkspace(api);
    const taken = await admin.http.post('/api/v1/agents', {
      name: 'x',
      email: elsewhere.email,
      role: 'agent',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('email_taken');
    const role = await admin.http.post('/api/v1/agents', {
      name: 'x',
      email: 'x@example.test',
      role: 'owner',
    });
    expect(role.status).toBe(400);
    expect(role.body.code).toBe('validation_failed');
  });

  it('an agent reads the team but cannot invite or change anyone: 403 admin_only', async () => {
    const agent = await addAgent(api, admin);
    expect((await agent.http.get('/api/v1/agents')).status).toBe(200);
    expect((await agent.http.get(`/api/v1/agents/${admin.adminId}`)).status).toBe(200);
    const invite = await agent.http.post('/api/v1/agents', {
      name: 'y',
      email: 'y@example.test',
      role: 'admin',
    });
    expect(invite.status).toBe(403);
    expect(invite.body.code).toBe('admin_only');
    const promote = await agent.http.patch(`/api/v1/agents/${agent.id}`, { role: 'admin' });
    expect(promote.status).toBe(403);
    expect(promote.body.code).toBe('admin_only');
  });

  it('an admin renames, promotes and demotes an agent', async () => {
    const agent = await addAgent(api, admin);
    const promoted = await admin.http.patch(`/api/v1/agents/${agent.id}`, {
      role: 'admin',
      name: 'Team Lead',
    });
    expect(promoted.body).toMatchObject({ role: 'admin', name: 'Team Lead' });
    // the new role is in effect at once for the agent's next request
    expect(
      (await agent.http.post('/api/v1/agents', { name: 'z', email: 'z1@example.test', role: 'agent' }))
        .status,
    ).toBe(201);
    const demoted = await admin.http.patch(`/api/v1/agents/${agent.id}`, { role: 'agent' });
    expect(demoted.body.role).toBe('agent');
    expect(
      (await agent.http.post('/api/v1/agents', { name: 'z', email: 'z2@example.test', role: 'agent' }))
        .status,
    ).toBe(403);
  });

  it('deactivating an agent stops its tokens, login and refresh at once; reactivating restores login', async () => {
    const agent = await addAgent(api, admin);
    const http = new HttpClient(api.url);
    const session = await http.post('/api/v1/auth/login', {
      email: agent.email,
      password: 'another good password',
    });
    const off = await admin.http.patch(`/api/v1/agents/${agent.id}`, { is_active: false });
    expect(off.body.is_active).toBe(false);
    const me = await agent.http.get('/api/v1/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('agent_deactivated');
    const login = await http.post('/api/v1/auth/login', {
      email: agent.email,
      password: 'another good password',
    });
    expect(login.body.code).toBe('agent_deactivated');
    expect(
      (await http.post('/api/v1/auth/refresh', { refresh_token: session.body.refresh_token })).status,
    ).toBe(401);

    await admin.http.patch(`/api/v1/agents/${agent.id}`, { is_active: true });
    expect(
      (await http.post('/api/v1/auth/login', { email: agent.email, password: 'another good password' }))
        .status,
    ).toBe(200);
  });

  it('the last active admin can neither demote nor deactivate themselves: 409 last_admin', async () => {
    const solo = await signupWorkspace(api);
    const demote = await solo.http.patch(`/api/v1/agents/${solo.adminId}`, { role: 'agent' });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_admin');
    const deactivate = await solo.http.patch(`/api/v1/agents/${solo.adminId}`, { is_active: false });
    expect(deactivate.body.code).toBe('last_admin');
    const second = await addAgent(api, solo, 'admin');
    expect((await solo.http.patch(`/api/v1/agents/${second.id}`, { role: 'agent' })).status).toBe(200);
    await solo.http.patch(`/api/v1/agents/${second.id}`, { role: 'admin' });
    expect((await solo.http.patch(`/api/v1/agents/${solo.adminId}`, { role: 'agent' })).status).toBe(200);
  });

  it('answers 404 for an id that is not a uuid and for an unknown one', async () => {
    expect((await admin.http.get('/api/v1/agents/not-a-uuid')).body.code).toBe('not_found');
    expect((await admin.http.get('/api/v1/agents/6f1c8a1e-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('an agent sets itself away', async () => {
    const agent = await addAgent(api, admin);
    const res = await agent.http.request('PUT', '/api/v1/agents/me/availability', { availability: 'away' });
    expect(res.status).toBe(200);
    expect(res.body.availability).toBe('away');
    expect(
      (await agent.http.request('PUT', '/api/v1/agents/me/availability', { availability: 'asleep' })).status,
    ).toBe(400);
  });
});
