import axios from 'axios';
import { PlatformError } from '../platform-error';
import { CannedServer, refusingOrigin } from '../testing/canned-server';
import { mapDivarError } from './divar.errors';

/** What axios throws for a Kenar API answer, mapped: the path every adapter call takes. */
const mapped = async (origin: string) => {
  const error = await axios
    .post(`${origin}/v2/open-platform/conversations/c-1/messages`, { message: 'hi' })
    .then(
      () => null,
      (e: unknown) => mapDivarError(e),
    );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
};

describe('mapDivarError', () => {
  const divar = new CannedServer();
  beforeAll(() => divar.start());
  afterAll(() => divar.stop());

  it.each<{
    name: string;
    status: number;
    body: object | string;
    headers?: Record<string, string>;
    code: PlatformError['code'];
    retryAfterSeconds?: number;
    permanent: boolean;
  }>([
    {
      name: '429 with Retry-After',
      status: 429,
      body: { code: 8, message: 'rate limit exceeded' },
      headers: { 'retry-after': '7' },
      code: 'rate_limited',
      retryAfterSeconds: 7,
      permanent: false,
    },
    {
      name: '429 without Retry-After (retried with backoff)',
      status: 429,
      body: { code: 8, message: 'quota exceeded' },
      code: 'temporary',
      permanent: false,
    },
    {
      name: '500',
      status: 500,
      body: { code: 13, message: 'internal' },
      code: 'temporary',
      permanent: false,
    },
    {
      name: '503 as an HTML page',
      status: 503,
      body: '<html>down</html>',
      code: 'temporary',
      permanent: false,
    },
    {
      name: "412 code 9 (the recipient's restriction)",
      status: 412,
      body: { code: 9, message: "message delivery failed due to recipient's restriction" },
      code: 'blocked',
      permanent: true,
    },
    {
      name: '412 another code',
      status: 412,
      body: { code: 3, message: 'precondition' },
      code: 'rejected',
      permanent: true,
    },
    {
      name: '401',
      status: 401,
      body: { code: 16, message: 'token expired' },
      code: 'reauthorization_required',
      permanent: false,
    },
    {
      name: '403',
      status: 403,
      body: { code: 7, message: 'permission denied' },
      code: 'reauthorization_required',
      permanent: false,
    },
    {
      name: 'invalid_grant on a refresh',
      status: 400,
      body: { error: 'invalid_grant', error_description: 'refresh token revoked' },
      code: 'reauthorization_required',
      permanent: false,
    },
    {
      name: '400 anything else',
      status: 400,
      body: { code: 3, message: 'invalid argument' },
      code: 'rejected',
      permanent: true,
    },
    {
      name: '404',
      status: 404,
      body: { code: 5, message: 'conversation not found' },
      code: 'rejected',
      permanent: true,
    },
  ])('$name → $code', async ({ status, body, headers, code, retryAfterSeconds, permanent }) => {
    divar.answer = { status, body, headers };
    const error = await mapped(divar.origin);
    expect(error.code).toBe(code);
    expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
    expect(error.permanent).toBe(permanent);
    if (typeof body === 'object' && 'message' in body)
      expect(error.reason).toBe(`Divar: ${(body as { message: string }).message}`);
  });

  it('a blocked recipient is marked unreachable; a refused token is not', async () => {
    divar.answer = { status: 412, body: { code: 9, message: 'restricted' } };
    expect((await mapped(divar.origin)).unreachable).toBe(true);
    divar.answer = { status: 401, body: { code: 16, message: 'expired' } };
    expect((await mapped(divar.origin)).unreachable).toBe(false);
  });

  it('Retry-After as an HTTP date is honoured', async () => {
    divar.answer = {
      status: 429,
      body: {},
      headers: { 'retry-after': new Date(Date.now() + 20_000).toUTCString() },
    };
    const error = await mapped(divar.origin);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(18);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(21);
  });

  it('a connection refused is temporary', async () => {
    const error = await mapped(await refusingOrigin());
    expect(error.code).toBe('temporary');
    expect(error.reason).toMatch(/^network: /);
  });
});
