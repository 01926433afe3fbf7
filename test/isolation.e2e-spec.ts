import { startApi, TestApp } from './support/app';
import { API_KEY_SCOPES } from '@parley/contract/api-keys';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

/**
 * Workspace B's admin, given workspace A's ids, gets 404 from every route that takes an id, and
 * nothing of A changes.
 */
describe('tenant isolation', () => {
  let api: TestApp;
  let a: Workspace;
  let b: Workspace;
  const ids = {} as {
    agent: string;
    bAgent: string;
    conversation: string;
    message: string;
    contact: string;
    channel: string;
    bMessage: string;
    apiKey: string;
    action: string;
  };
  /** Workspace B's API key holding every scope: an app of B given A's ids. */
  let bApp: HttpClient;
  let snapshot: unknown;

  const stateOfA = async () => ({
    conversation: await api.db.query('SELECT status, assignee_id FROM conversation WHERE id = $1', [
      ids.conversation,
    ]),
    messages: await api.db.query('SELECT id, content FROM message WHERE conversation_id = $1 ORDER BY seq', [
      ids.conversation,
    ]),
    reads: await api.db.query('SELECT * FROM conversation_read WHERE conversation_id = $1', [
      ids.conversation,
    ]),
    agent: await api.db.query('SELECT name, role, deactivated_at FROM agent WHERE id = $1', [ids.agent]),
    contact: await api.db.query('SELECT name, phone FROM contact WHERE id = $1', [ids.contact]),
    channel: await api.db.query('SELECT name, retention_days, deleted_at FROM channel WHERE id = $1', [
      ids.channel,
    ]),
    apiKey: await api.db.query('SELECT name, revoked_at FROM api_key WHERE id = $1', [ids.apiKey]),
  });

  beforeAll(async () => {
    api = await startApi();
    a = await signupWorkspace(api);
    b = await signupWorkspace(api);
    ids.agent = (await addAgent(api, a)).id;
    ids.bAgent = (await addAgent(api, b)).id;
    ids.channel = (await createChannel(api, a.workspaceId)).id;
    const { message } = await customerWrites(api, a.workspaceId, ids.channel, { name: 'Private Customer' });
    ids.message = message.id;
    ids.conversation = message.conversation_id;
    ids.contact = message.sender!.id;
    const bChannel = await createChannel(api, b.workspaceId);
    ids.bMessage = (await customerWrites(api, b.workspaceId, bChannel.id, {})).message.id;
    ids.apiKey = (
      await a.http.post('/api/v1/api-keys', { name: 'A app', scopes: ['messages:read'] })
    ).body.id;
    const aApp = await a.http.post('/api/v1/api-keys', { name: 'A shop', scopes: ['actions:manage'] });
    ids.action = (
      await new HttpClient(api.url).as(aApp.body.key).put('/api/v1/app/actions', {
        actions: [{ key: 'order', name: 'Order', url: 'https://shop.example.com/order' }],
      })
    ).body.actions[0].id;
    const bKey = await b.http.post('/api/v1/api-keys', { name: 'B app', scopes: [...API_KEY_SCOPES] });
    bApp = new HttpClient(api.url).as(bKey.body.key);
    snapshot = await stateOfA();
  });
  afterAll(() => api.close());

  const fill = (path: string) => path.replace(/:(\w+)/g, (_, key: keyof typeof ids) => ids[key]);
  const fillBody = (body: object | undefined) =>
    body &&
    JSON.parse(JSON.stringify(body).replace(/":(\w+)"/g, (_, key: keyof typeof ids) => `"${ids[key]}"`));

  it.each([
    ['GET', '/api/v1/agents/:agent', undefined],
    ['PATCH', '/api/v1/agents/:agent', { name: 'Hijacked', role: 'admin' }],
    ['GET', '/api/v1/conversations/:conversation', undefined],
    ['GET', '/api/v1/conversations/:conversation/messages', undefined],
    ['POST', '/api/v1/conversations/:conversation/assign', { agent_id: ':bAgent' }],
    ['POST', '/api/v1/conversations/:conversation/unassign', {}],
    ['POST', '/api/v1/conversations/:conversation/read', {}],
    [
      'POST',
      '/api/v1/message/conversation/:conversation/send-message/',
      { content: 'leak', type: 'support' },
    ],
    ['PATCH', '/api/v1/message/conversation/:conversation/status/', { status: 'resolved' }],
    ['GET', '/api/v1/contacts/:contact', undefined],
    ['PATCH', '/api/v1/contacts/:contact', { name: 'Hijacked' }],
    ['GET', '/api/v1/channels/:channel', undefined],
    ['PATCH', '/api/v1/channels/:channel', { name: 'Hijacked' }],
    ['PATCH', '/api/v1/channels/:channel', { retention_days: 1 }],
    ['DELETE', '/api/v1/channels/:channel', undefined],
    ['GET', '/api/v1/messages/:message/attachments/0', undefined],
    ['GET', '/api/v1/messages/:message/attachments/0/link', undefined],
    ['POST', '/api/v1/messages/:message/retry', {}],
    ['DELETE', '/api/v1/api-keys/:apiKey', undefined],
    ['GET', '/api/v1/conversations/:conversation/actions', undefined],
    ['POST', '/api/v1/conversations/:conversation/actions/:action/open', {}],
  ])("%s %s with another workspace's id answers 404", async (method, path, body) => {
    const res = await b.http.request(method, fill(path), fillBody(body));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });

  it.each([
    ['GET', '/api/v1/conversations/:conversation', undefined],
    ['GET', '/api/v1/conversations/:conversation/messages', undefined],
    ['POST', '/api/v1/conversations/:conversation/assign', { agent_id: ':bAgent' }],
    ['POST', '/api/v1/conversations/:conversation/unassign', {}],
    ['POST', '/api/v1/message/conversation/:conversation/send-message/', { content: 'hi', type: 'support' }],
    ['PATCH', '/api/v1/message/conversation/:conversation/status/', { status: 'resolved' }],
    ['GET', '/api/v1/contacts/:contact', undefined],
    ['PATCH', '/api/v1/contacts/:contact', { name: 'Hijacked' }],
    ['GET', '/api/v1/messages/:message/attachments/0', undefined],
    ['GET', '/api/v1/messages/:message/attachments/0/link', undefined],
    ['POST', '/api/v1/conversations/:conversation/cards', { title: 'leak' }],
  ])("%s %s with another workspace's id answers an app's API key 404", async (method, path, body) => {
    const res = await bApp.request(method, fill(path), fillBody(body));
    expect([res.status, res.body.code]).toEqual([
      404,
      expect.stringMatching(/^(not_found|assignee_not_found)$/),
    ]);
  });

  it("an upload to another workspace's conversation is 404 and stores nothing", async () => {
    const form = new FormData();
    form.append('kind', 'image');
    form.append('file', new Blob([Buffer.from('not really an image')], { type: 'image/png' }), 'x.png');
    const res = await fetch(`${api.url}/api/v1/conversations/${ids.conversation}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.token}` },
      body: form,
    });
    expect(res.status).toBe(404);
    const { readdir } = await import('node:fs/promises');
    const stored = await readdir(`${api.config.mediaDir}/${b.workspaceId}`).catch(() => []);
    expect(stored).toEqual([]);
  });

  it("A cannot assign to B's agent, nor mark read or reply to B's message", async () => {
    const assign = await a.http.post(`/api/v1/conversations/${ids.conversation}/assign`, {
      agent_id: ids.bAgent,
    });
    expect([assign.status, assign.body.code]).toEqual([404, 'assignee_not_found']);
    const read = await a.http.post(`/api/v1/conversations/${ids.conversation}/read`, {
      message_id: ids.bMessage,
    });
    expect(read.status).toBe(404);
    const reply = await a.http.post(`/api/v1/message/conversation/${ids.conversation}/send-message/`, {
      content: 'hi',
      type: 'note',
      reply_to: ids.bMessage,
    });
    expect(reply.status).toBe(404);
  });

  it("B's lists show none of A's rows, even filtered by A's channel", async () => {
    const everything = JSON.stringify([
      (await b.http.get('/api/v1/conversations')).body,
      (await b.http.get(`/api/v1/conversations?channel_id=${ids.channel}`)).body,
      (await b.http.get(`/api/v1/conversations?assignee=${ids.agent}`)).body,
      (await b.http.get('/api/v1/contacts?q=Private')).body,
      (await b.http.get('/api/v1/channels')).body,
      (await b.http.get('/api/v1/agents')).body,
    ]);
    for (const id of [ids.conversation, ids.contact, ids.channel, ids.agent])
      expect(everything).not.toContain(id);
    expect(everything).not.toContain('Private Customer');
  });

  it("nothing of A changed after B's attempts", async () => {
    expect(await stateOfA()).toEqual(snapshot);
  });
});
