import { loadConfig } from '@parley/config/config';
import type { ChannelAccess } from './platform';
import { PlatformRegistry } from './platform.registry';

const registry = new PlatformRegistry(loadConfig({}, '/nonexistent/.env'));
const access = (
  type: string,
  credentials: Record<string, string>,
  externalId: string | null = null,
): ChannelAccess => ({
  id: '00000000-0000-4000-8000-000000000001',
  type,
  externalId,
  credentials,
  webhookSecret: 'secret',
});
const TOKEN = 'AbC_def-0123456789ghijklmnopqrst';

describe('invitation links', () => {
  it.each([
    [
      'telegram',
      access('telegram', { username: 'shop_bot' }),
      null,
      `https://t.me/shop_bot?start=${TOKEN}`,
      true,
    ],
    [
      'instagram',
      access('instagram', { username: 'shop.example' }),
      null,
      'https://ig.me/m/shop.example',
      false,
    ],
    ['divar', access('divar', {}, 'my-addon'), null, 'https://divar.ir/chat/addon_my-addon', false],
    ['web', access('web', {}), 'https://shop.example', `https://shop.example/?parley_invite=${TOKEN}`, true],
  ])('%s: a link, binding only where the token comes back', (type, channel, page, url, binds) => {
    expect(registry.adapter(type).inviteLink!(channel, TOKEN, page)).toEqual({ url, binds });
  });

  it.each([
    ['telegram', access('telegram', {})],
    ['instagram', access('instagram', {})],
    ['web', access('web', {})],
  ])('%s: refused with a reason when the handle is unknown', (type, channel) => {
    expect(registry.adapter(type).inviteLink!(channel, TOKEN, null)).toEqual({ refused: expect.any(String) });
  });

  it.each([
    [`/start ${TOKEN}`, TOKEN],
    [`/start@shop_bot ${TOKEN}`, TOKEN],
    [`  /start ${TOKEN}  `, TOKEN],
    ['/start', null],
    ['/start short', null],
    [`/start ${TOKEN} and more`, null],
    [`hello /start ${TOKEN}`, null],
    [`/start ${'x'.repeat(65)}`, null],
  ])('Telegram reads the token of %p as %p', (content, token) => {
    expect(registry.adapter('telegram').inviteToken!(content)).toBe(token);
  });
});
