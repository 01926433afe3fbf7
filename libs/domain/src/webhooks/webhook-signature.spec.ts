import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"id":"d1","type":"message.created"}';

  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it.each([
    ['the same body', body, true],
    ['a body with one byte changed', body.replace('d1', 'd2'), false],
    ['a body re-serialized with spaces', JSON.stringify(JSON.parse(body), null, 1), false],
  ])('verifies %s: %s', (_name, received, ok) => {
    expect(verifyWebhook(secret, received, signWebhook(secret, body, 1700000000))).toBe(ok);
  });

  it('refuses another secret and a header without v1', () => {
    expect(verifyWebhook('other', body, signWebhook(secret, body, 1))).toBe(false);
    expect(verifyWebhook(secret, body, 't=1')).toBe(false);
  });
});
