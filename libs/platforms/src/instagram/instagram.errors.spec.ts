import axios from 'axios';
import { PlatformError } from '../platform-error';
import { CannedServer, refusingOrigin } from '../testing/canned-server';
import { instagramErrors } from './fixtures/instagram-errors.fixture';
import { mapInstagramError } from './instagram.errors';

/** What axios throws for a Graph API answer, mapped: the path every adapter call takes. */
const mapped = async (origin: string) => {
  const error = await axios
    .post(`${origin}/v21.0/17841400008460056/messages`, { recipient: { id: '1' }, message: { text: 'hi' } })
    .then(
      () => null,
      (e: unknown) => mapInstagramError(e),
    );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
};

describe('mapInstagramError', () => {
  const graph = new CannedServer();
  beforeAll(() => graph.start());
  afterAll(() => graph.stop());

  it.each(instagramErrors)(
    '$name (HTTP $status) → $code',
    async ({ status, body, headers, code, retryAfterSeconds }) => {
      graph.answer = { status, body, headers };
      const error = await mapped(graph.origin);
      expect(error.code).toBe(code);
      expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
      expect(error.reason).toBe(
        typeof body === 'string' ? `HTTP ${status}` : (body as { error: { message: string } }).error.message,
      );
    },
  );

  it.each<[PlatformError['code'], boolean, boolean]>([
    ['reauthorization_required', false, false],
    ['rate_limited', false, false],
    ['temporary', false, false],
    ['window_closed', true, false],
    ['invalid_recipient', true, true],
    ['rejected', true, false],
  ])('%s: permanent %p, recipient unreachable %p', async (code, permanent, unreachable) => {
    const { status, body } = instagramErrors.find((c) => c.code === code)!;
    graph.answer = { status, body };
    const error = await mapped(graph.origin);
    expect(error.permanent).toBe(permanent);
    expect(error.unreachable).toBe(unreachable);
  });

  it('a refused connection is temporary', async () => {
    const error = await mapped(await refusingOrigin());
    expect(error.code).toBe('temporary');
    expect(error.reason).toMatch(/^network: ECONNREFUSED/);
  });

  it.each<[string, unknown, string]>([
    ['a PlatformError passes through', new PlatformError('blocked', 'gone'), 'blocked'],
    ['any other Error is temporary', new Error('socket hang up'), 'temporary'],
    ['nothing at all is temporary', undefined, 'temporary'],
  ])('%s', (_name, thrown, code) => {
    expect(mapInstagramError(thrown).code).toBe(code);
  });
});
