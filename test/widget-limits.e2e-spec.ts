import { freshEnvironment, startApi, TestApp, TestEnvironment } from './support/app';
import { signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

const SHOP = 'https://shop.example';
const REQUESTS_PER_IP = 6;

/**
 * The widget's per-IP request budget: one address that hammers the public widget routes is refused
 * with 429 past its budget while another address goes on, and the flood leaves one security event
 * per window, not one per refused request.
 */
describe('web chat widget: the per-IP request budget', () => {
  let environment: TestEnvironment;
  let api: TestApp;
  let a: Workspace;
  let channelId: string;
  let widget: HttpClient;

  beforeAll(async () => {
    environment = await freshEnvironment({
      WIDGET_REQUESTS_PER_MINUTE_PER_IP: String(REQUESTS_PER_IP),
      // Behind the test's "proxy" (loopback), X-Forwarded-For names the visitor's address.
      TRUST_PROXY: 'loopback',
    });
    api = await startApi(environment);
    a = await signupWorkspace(api);
    widget = new HttpClient(api.url);
    const channel = await a.http.post('/api/v1/channels', {
      type: 'web',
      name: 'Shop',
      allowed_origins: [SHOP],
    });
    expect(channel.status).toBe(201);
    channelId = channel.body.id;
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  const from = (ip: string, lang = 'en') => ({ headers: { 'x-forwarded-for': ip }, lang });
  const config = (ip: string, lang?: string) =>
    widget.get(`/widget/v1/channels/${channelId}/config?origin=${encodeURIComponent(SHOP)}`, from(ip, lang));

  it('past its budget one address gets 429 rate_limited with retry_after, another address is served', async () => {
    const flooder = '198.51.100.7';
    for (let i = 0; i < REQUESTS_PER_IP; i += 1) expect((await config(flooder)).status).toBe(200);
    const refused = await config(flooder, 'fa');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      code: 'rate_limited',
      retry_after: expect.any(Number),
    });
    expect(refused.body.message).toMatch(/[\u0600-\u06FF]/);
    // A visitor token does not lift the address's budget: sessions and messages count against it too.
    const session = await widget.post(
      `/widget/v1/channels/${channelId}/sessions`,
      { origin: SHOP },
      from(flooder),
    );
    expect([session.status, session.body.code]).toEqual([429, 'rate_limited']);

    const neighbour = '203.0.113.9';
    const served = await config(neighbour);
    expect(served.status).toBe(200);
    const started = await widget.post(
      `/widget/v1/channels/${channelId}/sessions`,
      { origin: SHOP },
      from(neighbour),
    );
    expect(started.status).toBe(200);
    const token = started.body.visitor_token as string;
    const sent = await new HttpClient(api.url, { token }).post(
      '/widget/v1/messages',
      { content: 'Still here' },
      from(neighbour),
    );
    expect(sent.status).toBe(201);
    // The visitor's own requests come out of its address's budget: the flooder's token would not help it.
    const stolen = await new HttpClient(api.url, { token }).post(
      '/widget/v1/messages',
      { content: 'From the flooding address' },
      from(flooder),
    );
    expect([stolen.status, stolen.body.code]).toEqual([429, 'rate_limited']);
  });

  it('a flood past the budget writes one rate_limited security event per window, not one per request', async () => {
    const flooder = '198.51.100.8';
    const answers = await Promise.all(Array.from({ length: REQUESTS_PER_IP + 40 }, () => config(flooder)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(REQUESTS_PER_IP);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(40);
    const [events] = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'rate_limited' AND ip = $1`,
      [flooder],
    );
    expect(events.n).toBe(1);
  });
});
