import type { ChannelAccess } from '../platform';
import type { WebhookDelivery } from '../webhook';
import { DivarWebhookReceiver, ipWithin } from './divar.webhook';

const DIVAR_IPS = ['78.111.6.41', '78.111.6.42', '78.111.6.43', '31.214.250.128/27'];
const channel: ChannelAccess = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  type: 'divar',
  externalId: 'parley-app',
  credentials: { identification_key: 'the-identification-key-of-the-app' },
  webhookSecret: 'unused',
};
const delivery = (authorization: string | undefined, ip = '78.111.6.41'): WebhookDelivery => ({
  header: (name) => (name === 'authorization' ? authorization : undefined),
  rawBody: Buffer.from('{}'),
  body: {},
  ip,
});

describe('DivarWebhookReceiver.verify', () => {
  const open = new DivarWebhookReceiver();

  it('accepts the identification key exactly as the panel holds it', () => {
    expect(open.verify(delivery('the-identification-key-of-the-app'), channel)).toEqual({ genuine: true });
  });

  it.each([
    ['a wrong key', 'the-identification-key-of-the-ap', { key_present: true }],
    ['a Bearer-prefixed key', 'Bearer the-identification-key-of-the-app', { key_present: true }],
    ['no key', undefined, { key_present: false }],
  ])('refuses %s, saying only whether one was sent', (_name, key, detail) => {
    expect(open.verify(delivery(key), channel)).toEqual({ genuine: false, detail });
  });

  it('refuses every key when the channel has none stored', () => {
    expect(open.verify(delivery(''), { ...channel, credentials: {} }).genuine).toBe(false);
  });

  it("with DIVAR_SOURCE_IPS, refuses the right key from outside Divar's addresses", () => {
    const guarded = new DivarWebhookReceiver(DIVAR_IPS);
    const key = 'the-identification-key-of-the-app';
    expect(guarded.verify(delivery(key, '31.214.250.140'), channel)).toEqual({ genuine: true });
    expect(guarded.verify(delivery(key, '203.0.113.9'), channel)).toEqual({
      genuine: false,
      detail: { source_ip_allowed: false },
    });
  });
});

describe('ipWithin', () => {
  it.each([
    ['78.111.6.42', true],
    ['::ffff:78.111.6.43', true],
    ['31.214.250.128', true],
    ['31.214.250.159', true],
    ['31.214.250.160', false],
    ['78.111.6.44', false],
    ['2001:db8::1', false],
    ['not an address', false],
  ])('%s → %s', (ip, inside) => {
    expect(ipWithin(ip, DIVAR_IPS)).toBe(inside);
  });
});
