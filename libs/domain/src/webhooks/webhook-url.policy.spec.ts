import type { AppConfig } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { WebhookUrlPolicy } from './webhook-url.policy';

const policy = (webhooks: Partial<AppConfig['webhooks']> = {}) => {
  const made = new WebhookUrlPolicy({
    webhooks: { allowPrivate: false, allowedHosts: [], allowHttp: false, ...webhooks },
  } as AppConfig);
  const answers: Record<string, string[]> = {
    'hooks.example.com': ['93.184.216.34'],
    'rebound.example.com': ['93.184.216.34', '10.0.0.7'],
    'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
    'internal.example.com': ['fd00::1'],
  };
  made.resolve = async (host) => {
    const found = answers[host];
    if (!found) throw new Error('ENOTFOUND');
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return made;
};

const codeOf = async (check: Promise<unknown>) =>
  check.then(
    () => 'ok',
    (error: AppError) => error.code,
  );

describe('webhook URL policy', () => {
  it.each([
    ['https://hooks.example.com/parley', 'ok'],
    ['https://v6.example.com/parley', 'ok'],
    ['http://hooks.example.com/parley', 'webhook_url_invalid'],
    ['ftp://hooks.example.com/x', 'webhook_url_invalid'],
    ['https://user:pw@hooks.example.com/x', 'webhook_url_invalid'],
    ['no url', 'webhook_url_invalid'],
    ['https://127.0.0.1/x', 'webhook_url_refused'],
    ['https://10.0.0.1/x', 'webhook_url_refused'],
    ['https://172.16.5.4/x', 'webhook_url_refused'],
    ['https://192.168.0.10/x', 'webhook_url_refused'],
    ['https://169.254.169.254/x', 'webhook_url_refused'],
    ['https://100.64.1.1/x', 'webhook_url_refused'],
    ['https://224.0.0.1/x', 'webhook_url_refused'],
    ['https://0.0.0.0/x', 'webhook_url_refused'],
    ['https://[::1]/x', 'webhook_url_refused'],
    ['https://[fe80::1]/x', 'webhook_url_refused'],
    ['https://[fd12::1]/x', 'webhook_url_refused'],
    ['https://[::ffff:10.0.0.1]/x', 'webhook_url_refused'],
    ['https://internal.example.com/x', 'webhook_url_refused'],
    ['https://rebound.example.com/x', 'webhook_url_refused'],
    ['https://nowhere.example.com/x', 'webhook_url_refused'],
  ])('%s → %s', async (url, code) => {
    expect(await codeOf(policy().check(url))).toBe(code);
  });

  it('the operator opens private destinations: all of them, or the named hosts only', async () => {
    expect(await codeOf(policy({ allowPrivate: true }).check('https://10.0.0.1/x'))).toBe('ok');
    const named = policy({ allowedHosts: ['10.0.0.1', 'internal.example.com'] });
    expect(await codeOf(named.check('https://10.0.0.1/x'))).toBe('ok');
    expect(await codeOf(named.check('https://internal.example.com/x'))).toBe('ok');
    expect(await codeOf(named.check('https://10.0.0.2/x'))).toBe('webhook_url_refused');
    expect(await codeOf(policy({ allowHttp: true }).check('http://hooks.example.com/x'))).toBe('ok');
  });
});
