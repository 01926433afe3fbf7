import { freshEnvironment, startApi, TestApi, TestEnvironment } from './support/app';
import { addAgent, createChannel, customerWrites, signupWorkspace, Workspace } from './support/factories';
import { HttpClient } from './support/http';

const STARTS_PER_IP = 4;
const STARTS_PER_LINK = 3;

/**
 * The call page's start route (`POST /call/{token}/calls`) has two budgets a minute: per client
 * address and per link. Past either the answer is 429 rate_limited with retry_after, in the
 * page's language, and a flood writes one security event per window.
 */
describe('call links: budgets of calls placed from the call page', () => {
  let environment: TestEnvironment;
  let api: TestApi;
  let ws: Workspace;
  let lina: Awaited<ReturnType<typeof addAgent>>;
  let page: HttpClient;

  beforeAll(async () => {
    environment = await freshEnvironment({
      CALL_LINK_STARTS_PER_MINUTE_PER_IP: String(STARTS_PER_IP),
      CALL_LINK_STARTS_PER_MINUTE_PER_LINK: String(STARTS_PER_LINK),
      // Behind the test's "proxy" (loopback), X-Forwarded-For names the customer's address.
      TRUST_PROXY: 'loopback',
    });
    api = await startApi(environment);
    ws = await signupWorkspace(api);
    lina = await addAgent(api, ws);
    page = new HttpClient(api.url);
  });
  afterAll(async () => {
    await api.close();
    await environment.close();
  });

  /** A Telegram customer's conversation and a call link Lina made for it; its token. */
  const newLink = async (): Promise<string> => {
    const channel = await createChannel(api, ws.workspaceId);
    const written = await customerWrites(api, ws.workspaceId, channel.id, { text: 'Call me?' });
    const made = await lina.http.post(`/api/v1/conversations/${written.message.conversation_id}/call-link`);
    expect(made.status).toBe(201);
    return new URL(made.body.url as string).pathname.split('/')[2];
  };
  const from = (ip: string, lang = 'en') => ({ headers: { 'x-forwarded-for': ip }, lang });
  /** The customer presses call, and (when it rang) hangs up, so the next press is no second live call. */
  const press = async (token: string, ip: string, lang?: string) => {
    const answer = await page.post(`/call/${token}/calls`, undefined, from(ip, lang));
    if (answer.status === 201)
      await page.post(`/call/${token}/calls/${answer.body.call_id}/hangup`, undefined, from(ip));
    return answer;
  };
  const eventsOf = async (ip: string, budget: string): Promise<number> => {
    const [row] = await api.db.query(
      `SELECT count(*)::int AS n FROM security_event WHERE kind = 'rate_limited' AND ip = $1 AND detail->>'budget' = $2`,
      [ip, budget],
    );
    return row.n as number;
  };

  it('refuses a link pressed past its budget with 429 rate_limited in the page’s language, from any address', async () => {
    const token = await newLink();
    for (let i = 0; i < STARTS_PER_LINK; i += 1)
      expect((await press(token, '198.51.100.20')).status).toBe(201);
    const refused = await press(token, '198.51.100.20', 'fa-IR,fa;q=0.9');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      code: 'rate_limited',
      retry_after: expect.any(Number),
    });
    expect(refused.body.retry_after).toBeGreaterThan(0);
    expect(refused.body.retry_after).toBeLessThanOrEqual(60);
    expect(refused.body.message).toMatch(/[\u0600-\u06FF]/);
    const arabic = await press(token, '198.51.100.20', 'ar');
    expect(arabic.body.message).toMatch(/[\u0600-\u06FF]/);
    expect(arabic.body.message).not.toBe(refused.body.message);
    // Another address does not refill the link's budget.
    expect([
      (await press(token, '203.0.113.20')).status,
      (await press(token, '203.0.113.20')).body.code,
    ]).toEqual([429, 'rate_limited']);
    // Another link is served (from an address with budget left: this one spent its own on refusals).
    expect((await press(await newLink(), '192.0.2.20')).status).toBe(201);
    expect(await eventsOf('198.51.100.20', 'call-link')).toBe(1);
    expect(await eventsOf('203.0.113.20', 'call-link')).toBe(0);
  });

  it('refuses an address past its budget across links, while another address is served', async () => {
    const [first, second, third] = [await newLink(), await newLink(), await newLink()];
    const flooder = '198.51.100.21';
    for (const token of [first, first, second, second])
      expect((await press(token, flooder)).status).toBe(201);
    const refused = await press(third, flooder);
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect(refused.body.retry_after).toEqual(expect.any(Number));
    expect((await press(third, '203.0.113.21')).status).toBe(201);
  });

  it('counts guesses at links against the address, and a flood writes one security event per window', async () => {
    const flooder = '198.51.100.22';
    const forged = 'eyJ3IjoiMSJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const answers = await Promise.all(
      Array.from({ length: STARTS_PER_IP + 30 }, () =>
        page.post(`/call/${forged}/calls`, undefined, from(flooder)),
      ),
    );
    expect(answers.filter((r) => r.status === 404)).toHaveLength(STARTS_PER_IP);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(30);
    expect(await eventsOf(flooder, 'call-link-ip')).toBe(1);
    // A real link from that address is refused too until the window passes.
    expect((await press(await newLink(), flooder)).status).toBe(429);
    expect(await eventsOf(flooder, 'call-link-ip')).toBe(1);
  });
});
