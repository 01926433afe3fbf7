import { redactUrl } from './runtime.module';

describe('redactUrl', () => {
  it.each([
    ['/ws/chat/1/?token=eyJabc.def&since=4', '/ws/chat/1/?token=[redacted]&since=4'],
    ['/ws/conversations?since=1&token=abc', '/ws/conversations?since=1&token=[redacted]'],
    ['/oauth/divar/callback?code=c0de&state=s7a7e', '/oauth/divar/callback?code=[redacted]&state=[redacted]'],
    ['/api/v1/conversations', '/api/v1/conversations'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
