import { RedisClient } from '@parley/runtime/redis.provider';
import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';

const LINK_FLOOD = Array.from({ length: 6 }, (_, i) => `https://spam${i}.example`).join(' ');

/**
 * ENABLE_SPAM_DETECTION and ENABLE_RATE_LIMITING are the defaults of each workspace's
 * `spam_detection` and `rate_limiting` policy switches; off means the check does not happen.
 */
describe.each([
  ['on', 'true'],
  ['off', 'false'],
])('the spam and rate-limit switches, environment default %s', (label, envValue) => {
  const envDefault = envValue === 'true';
  let environment: TestEnvironment;
  let api: TestApp;
  let ws: Workspace;
  let channelId: string;

  beforeAll(async () => {
    environment = await freshEnvironment({
      ENABLE_SPAM_DETECTION: envValue,
      ENABLE_RATE_LIMITING: label === 'on' ? '1' : '0',
      MESSAGES_PER_MINUTE: '2',
      AUTH_REQUESTS_PER_MINUTE_PER_IP: '20',
    });
    api = await startApi(environment);
    ws = await signupWorkspace(api);
    channelId = (await createChannel(api, ws.workspaceId)).id;
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  const spamKeys = () => api.get(RedisClient).redis.keys(`${environment.env.REDIS_PREFIX}spam:*`);

  /** What each switch governs, observed from outside: flagged inbound, refused reply, refused 3rd message. */
  const observe = async () => {
    // An ordinary message passes the content rules, so with detection on it reaches the counters.
    await customerWrites(api, ws.workspaceId, channelId, { text: 'Where is my order?' });
    const { message } = await customerWrites(api, ws.workspaceId, channelId, { text: LINK_FLOOD });
    const [row] = await api.db.query('SELECT spam_reason FROM message WHERE id = $1', [message.id]);
    const agent = await addAgent(api, ws); // a fresh budget
    const send = (content: string, type = 'support') =>
      agent.http.post(`/api/v1/message/conversation/${message.conversation_id}/send-message/`, {
        content,
        type,
      });
    const spamReply = await send(LINK_FLOOD);
    const statuses = [(await send('one', 'note')).status, (await send('two', 'note')).status];
    statuses.push((await send('three', 'note')).status);
    return {
      inboundFlagged: row.spam_reason !== null,
      replyRefused: spamReply.status === 422 && spamReply.body.code === 'spam_detected',
      thirdRefused: statuses[statuses.length - 1] === 429,
    };
  };

  it(`applies the per-IP request budgets only when rate limiting is on (${label})`, async () => {
    const from = { headers: { 'x-forwarded-for': label === 'on' ? '192.0.2.201' : '192.0.2.202' } };
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await fetch(`${api.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...from.headers },
        body: JSON.stringify({ refresh_token: `made-up-${i}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(19)).toEqual(envDefault ? [401, 429] : [401, 401]);
  });

  it(`shows the environment default (${label}) as the policy and its default, and acts on it`, async () => {
    const policy = (await ws.http.get('/api/v1/admin/security/policy')).body;
    expect(policy).toMatchObject({
      spam_detection: envDefault,
      rate_limiting: envDefault,
      defaults: { spam_detection: envDefault, rate_limiting: envDefault },
    });
    // On, the spam reply is refused before it costs a message: the budget of 2 refuses the third note.
    // Off, nothing is flagged or refused, and no spam counter is even created.
    expect(await observe()).toEqual({
      inboundFlagged: envDefault,
      replyRefused: envDefault,
      thirdRefused: envDefault,
    });
    expect((await spamKeys()).length > 0).toBe(envDefault);
  });

  it('a workspace turns each switch the other way, separately, and null restores the default', async () => {
    const flipSpam = await ws.http.patch('/api/v1/admin/security/policy', { spam_detection: !envDefault });
    expect(flipSpam.body).toMatchObject({ spam_detection: !envDefault, rate_limiting: envDefault });
    expect(await observe()).toEqual({
      inboundFlagged: !envDefault,
      replyRefused: !envDefault,
      thirdRefused: envDefault,
    });

    const flipBoth = await ws.http.patch('/api/v1/admin/security/policy', { rate_limiting: !envDefault });
    expect(flipBoth.body).toMatchObject({
      spam_detection: !envDefault,
      rate_limiting: !envDefault,
      defaults: { spam_detection: envDefault, rate_limiting: envDefault },
    });
    expect(await observe()).toEqual({
      inboundFlagged: !envDefault,
      replyRefused: !envDefault,
      thirdRefused: !envDefault,
    });

    const restored = await ws.http.patch('/api/v1/admin/security/policy', {
      spam_detection: null,
      rate_limiting: null,
    });
    expect(restored.body).toMatchObject({ spam_detection: envDefault, rate_limiting: envDefault });
    expect(await observe()).toEqual({
      inboundFlagged: envDefault,
      replyRefused: envDefault,
      thirdRefused: envDefault,
    });

    // A switch is a boolean; anything else is refused and changes nothing.
    const bad = await ws.http.patch('/api/v1/admin/security/policy', { spam_detection: 'off' });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);

    // Each change is on record: who, what was asked, and what changed from what to what.
    const changes = await api.db.query(
      `SELECT agent_id, detail FROM security_event WHERE kind = 'policy_changed' AND workspace_id = $1 ORDER BY id`,
      [ws.workspaceId],
    );
    expect(changes).toEqual([
      {
        agent_id: ws.adminId,
        detail: {
          spam_detection: !envDefault,
          changes: { spam_detection: { from: envDefault, to: !envDefault } },
        },
      },
      {
        agent_id: ws.adminId,
        detail: {
          rate_limiting: !envDefault,
          changes: { rate_limiting: { from: envDefault, to: !envDefault } },
        },
      },
      {
        agent_id: ws.adminId,
        detail: {
          spam_detection: null,
          rate_limiting: null,
          changes: {
            spam_detection: { from: !envDefault, to: envDefault },
            rate_limiting: { from: !envDefault, to: envDefault },
          },
        },
      },
    ]);
  });
});
