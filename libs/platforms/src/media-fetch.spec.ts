import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { DEFAULT_INSTAGRAM_MEDIA_HOSTS, MediaHostAllowlist } from '@parley/config/media-hosts';
import { checkMediaUrl, fetchMedia, isPublicAddress, Lookup, mediaAgents } from './media-fetch';
import { PlatformError } from './platform-error';

/** A resolver that answers from a table, so no test needs the network. */
const dns =
  (table: Record<string, string[]>): Lookup =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
};

describe('MediaHostAllowlist', () => {
  const list = MediaHostAllowlist.parse(
    `${DEFAULT_INSTAGRAM_MEDIA_HOSTS}, cdn.example ,http://127.0.0.1:3004`,
  );

  it.each([
    ['https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=x', 'public'],
    ['https://scontent-ams2-1.cdninstagram.com/v/t51/1.jpg', 'public'],
    ['https://video.xx.fbcdn.net/v/a.mp4', 'public'],
    ['https://a.b.fbcdn.net/x', 'public'],
    ['https://cdn.example/x.jpg', 'public'],
    ['http://127.0.0.1:3004/ig-media/1', 'origin'],
    // The exact origin only: another port, scheme or spelling is another origin.
    ['http://127.0.0.1:3005/ig-media/1', null],
    ['https://127.0.0.1:3004/ig-media/1', null],
    ['http://localhost:3004/ig-media/1', null],
    // Host patterns: https on the default port only, the name itself, no look-alikes.
    ['http://lookaside.fbsbx.com/x', null],
    ['https://lookaside.fbsbx.com:8443/x', null],
    ['https://fbcdn.net/x', null],
    ['https://evilfbcdn.net/x', null],
    ['https://fbcdn.net.evil.example/x', null],
    ['https://lookaside.fbsbx.com.evil.example/x', null],
    ['https://user:pass@lookaside.fbsbx.com/x', null],
    ['https://169.254.169.254/latest/meta-data/', null],
    ['https://[::1]/x', null],
    ['file:///etc/passwd', null],
    ['gopher://lookaside.fbsbx.com/x', null],
  ])('%s → %s', (url, expected) => {
    expect(list.match(new URL(url))).toBe(expected);
  });

  it.each([
    ['http://127.0.0.1:3004/media', /origin only/],
    ['ftp://files.example', /http or https origin/],
    ['*.', /host name/],
    ['10.0.0.1', /host name/],
    ['localhost', /host name/],
    ['cdn .example', /host name/],
    ['*.*.example', /host name/],
  ])('refuses the entry %s', (entry, message) => {
    expect(() => MediaHostAllowlist.parse(entry)).toThrow(message);
  });
});

describe('isPublicAddress', () => {
  it.each([
    ['93.184.216.34', true],
    ['157.240.1.35', true],
    ['2a03:2880:f10c:83:face:b00c:0:25de', true],
    ['10.0.0.1', false],
    ['172.16.5.4', false],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['255.255.255.255', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:93.184.216.34', false],
    ['64:ff9b::7f00:1', false],
    ['2002:7f00:1::', false],
    ['2001:db8::1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('checkMediaUrl', () => {
  const list = MediaHostAllowlist.parse('cdn.example,*.fbcdn.net,http://127.0.0.1:3004');

  it('allows a pattern host whose every address is public', async () => {
    const lookup = dns({ 'cdn.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    await expect(checkMediaUrl('https://cdn.example/a.jpg', list, lookup)).resolves.toMatchObject({
      match: 'public',
    });
  });

  it.each([
    [['10.0.0.1']],
    [['93.184.216.34', '127.0.0.1']],
    [['::ffff:127.0.0.1']],
    [['169.254.169.254']],
    [['fd12:3456::1']],
    [[]],
  ])('refuses cdn.example resolving to %j, permanently', async (addresses) => {
    const error = await refusal(
      checkMediaUrl('https://cdn.example/a.jpg', list, dns({ 'cdn.example': addresses })),
    );
    expect(error.code).toBe('url_refused');
    expect(error.permanent).toBe(true);
  });

  it('a configured origin may be private and is not looked up', async () => {
    const lookup = jest.fn(dns({}));
    await expect(checkMediaUrl('http://127.0.0.1:3004/m/1', list, lookup)).resolves.toMatchObject({
      match: 'origin',
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('a name that does not resolve is a temporary failure, not a refusal', async () => {
    const error = await refusal(checkMediaUrl('https://x.fbcdn.net/a', list, dns({})));
    expect(error.code).toBe('temporary');
  });

  it('refuses a URL off the list and a malformed one', async () => {
    expect((await refusal(checkMediaUrl('https://evil.example/a', list, dns({})))).code).toBe('url_refused');
    expect((await refusal(checkMediaUrl('not a url', list, dns({})))).code).toBe('url_refused');
  });
});

describe('fetchMedia', () => {
  let server: Server;
  let origin: string;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const agents = mediaAgents();

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (req.url?.startsWith('/redirect') && to) {
        res.writeHead(302, { location: to }).end();
      } else if (req.url?.startsWith('/loop')) {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (req.url?.startsWith('/stall')) {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.write(Buffer.alloc(10));
      } else {
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from('bytes'));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const options = (extra: Partial<Parameters<typeof fetchMedia>[1]> = {}) => ({
    allowlist: MediaHostAllowlist.parse(`cdn.example,${origin}`),
    credentialOrigin: 'https://graph.example',
    authorization: 'Bearer platform-token',
    timeoutMs: 2000,
    maxBytes: 1000,
    lookup: dns({}),
    ...extra,
  });
  const read = async (stream: NodeJS.ReadableStream) => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  };

  it('follows an allowed redirect and sends the token to no media host', async () => {
    const { stream, declaredMime } = await fetchMedia(
      `${origin}/redirect?to=${encodeURIComponent(`${origin}/file`)}`,
      options(),
      agents,
    );
    expect(await read(stream)).toBe('bytes');
    expect(declaredMime).toBe('image/jpeg');
    expect(seen.map((s) => s.path)).toEqual([expect.stringMatching(/^\/redirect/), '/file']);
    expect(seen.every((s) => s.headers.authorization === undefined)).toBe(true);
  });

  it('sends the token to the platform API origin only', async () => {
    await read((await fetchMedia(`${origin}/file`, options({ credentialOrigin: origin }), agents)).stream);
    expect(seen[0].headers.authorization).toBe('Bearer platform-token');
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://evil.example/x',
    'http://[::ffff:127.0.0.1]:80/',
  ])('refuses a redirect to %s before connecting to it', async (target) => {
    const error = await refusal(
      fetchMedia(`${origin}/redirect?to=${encodeURIComponent(target)}`, options(), agents),
    );
    expect(error.code).toBe('url_refused');
    expect(seen).toHaveLength(1);
  });

  it('gives up after three redirects', async () => {
    expect((await refusal(fetchMedia(`${origin}/loop`, options(), agents))).code).toBe('url_refused');
    expect(seen).toHaveLength(4);
  });

  it('re-checks the address at connect time (a name that rebinds to loopback after the check)', async () => {
    // The check sees a public address; the connection's own lookup then answers 127.0.0.1.
    const rebinding: LookupFunction = (_host, _options, callback) =>
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: '127.0.0.1', family: 4 },
      ]);
    const error = await refusal(
      fetchMedia(
        'https://cdn.example/a.jpg',
        options({ lookup: dns({ 'cdn.example': ['93.184.216.34'] }) }),
        mediaAgents(rebinding),
      ),
    );
    expect(error.code).toBe('url_refused');
  });

  it('cuts off a body that outlasts the time bound', async () => {
    const { stream } = await fetchMedia(`${origin}/stall`, options({ timeoutMs: 300 }), agents);
    const error = await refusal(read(stream));
    expect(error.code).toBe('temporary');
    expect(error.reason).toMatch(/longer than 300 ms/);
  });
});
