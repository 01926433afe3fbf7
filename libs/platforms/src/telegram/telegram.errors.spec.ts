import { Api } from 'grammy';
import { PlatformError } from '../platform-error';
import { CannedServer, refusingOrigin } from '../testing/canned-server';
import { telegramErrors } from './fixtures/telegram-errors.fixture';
import { mapTelegramError } from './telegram.errors';

const TOKEN = '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

/** What grammy's Api throws for a Bot API answer, mapped: the path every adapter call takes. */
const mapped = async (apiRoot: string) => {
  const error = await new Api(TOKEN, { apiRoot }).sendMessage(5_512_733_901, 'hello').then(
    () => null,
    (e: unknown) => mapTelegramError(e),
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
};

describe('mapTelegramError', () => {
  const telegram = new CannedServer();
  beforeAll(() => telegram.start());
  afterAll(() => telegram.stop());

  it.each(telegramErrors)('$name ($status) → $code', async ({ status, body, code, retryAfterSeconds }) => {
    telegram.answer = { status, body };
    const error = await mapped(telegram.origin);
    expect(error.code).toBe(code);
    expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
    if (typeof body !== 'string') expect(error.reason).toBe((body as { description: string }).description);
  });

  it.each<[PlatformError['code'], boolean, boolean]>([
    ['reauthorization_required', false, false],
    ['rate_limited', false, false],
    ['temporary', false, false],
    ['blocked', true, true],
    ['invalid_recipient', true, true],
    ['rejected', true, false],
    ['invalid_credentials', true, false],
  ])('%s: permanent %p, recipient unreachable %p', async (code, permanent, unreachable) => {
    const { status, body } = telegramErrors.find((c) => c.code === code)!;
    telegram.answer = { status, body };
    const error = await mapped(telegram.origin);
    expect(error.permanent).toBe(permanent);
    expect(error.unreachable).toBe(unreachable);
  });

  it('a refused connection is temporary', async () => {
    const error = await mapped(await refusingOrigin());
    expect(error.code).toBe('temporary');
    expect(error.reason).toMatch(/^network: /);
  });

  it.each<[string, unknown, string]>([
    ['a PlatformError passes through', new PlatformError('window_closed', 'late'), 'window_closed'],
    ['any other Error is temporary', new Error('socket hang up'), 'temporary'],
    ['a non-error value is temporary', 'weird', 'temporary'],
    ['nothing at all is temporary', undefined, 'temporary'],
  ])('%s', (_name, thrown, code) => {
    expect(mapTelegramError(thrown).code).toBe(code);
  });
});
