import { AppError } from '@parley/errors/app-error';
import { checkAppUrl } from './app-url';

const production = { allowHttp: false, allowLoopbackHttp: false };
const development = { allowHttp: false, allowLoopbackHttp: true };
const allowed = { allowHttp: true, allowLoopbackHttp: false };

const outcome = (raw: unknown, rules = production) => {
  try {
    return checkAppUrl(raw, rules, 'app_action_url_invalid');
  } catch (error) {
    return `${(error as AppError).code}: ${String((error as AppError).params.reason)}`;
  }
};

describe('checkAppUrl', () => {
  it.each([
    ['https://shop.example.com/parley', 'https://shop.example.com/parley'],
    ['https://shop.example.com:8443/a?b=c#d', 'https://shop.example.com:8443/a?b=c#d'],
    ['  https://Shop.Example.com/x  ', 'https://shop.example.com/x'],
  ])('accepts %s', (raw, normalized) => {
    expect(outcome(raw)).toBe(normalized);
  });

  it.each([
    ['javascript:alert(1)', 'only https URLs'],
    ['data:text/html,<script>alert(1)</script>', 'only https URLs'],
    ['ftp://files.example.com/x', 'only https URLs'],
    ['http://shop.example.com/x', 'https is required'],
    ['http://127.0.0.1:8080/x', 'https is required'],
    ['https://user:pass@shop.example.com/x', 'credentials in the URL are not allowed'],
    ['https://token@shop.example.com/x', 'credentials in the URL are not allowed'],
    ['/relative/path', 'not an absolute URL'],
    ['', 'a URL is required'],
    [42, 'a URL is required'],
  ])('refuses %s in production', (raw, reason) => {
    expect(outcome(raw)).toBe(`app_action_url_invalid: ${reason}`);
  });

  it('refuses a URL longer than 2048 characters', () => {
    expect(outcome(`https://shop.example.com/${'a'.repeat(2048)}`)).toBe(
      'app_action_url_invalid: longer than 2048 characters',
    );
  });

  it('allows http on localhost and 127.0.0.1 outside production, and nowhere else', () => {
    expect(outcome('http://127.0.0.1:4000/app', development)).toBe('http://127.0.0.1:4000/app');
    expect(outcome('http://localhost:4000/app', development)).toBe('http://localhost:4000/app');
    expect(outcome('http://10.0.0.5/app', development)).toBe('app_action_url_invalid: https is required');
    expect(outcome('http://localhost.evil.example/app', development)).toBe(
      'app_action_url_invalid: https is required',
    );
  });

  it('allows http on any host when the operator says so', () => {
    expect(outcome('http://apps.internal/x', allowed)).toBe('http://apps.internal/x');
  });
});
