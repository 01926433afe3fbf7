import { canFrame } from './app-frame';

describe('canFrame', () => {
  const dashboard = 'https://support.example.com';
  it.each([
    ['https://shop.example.com/parley?parley_context=x', true],
    ['http://127.0.0.1:4000/parley', true],
    ['https://support.example.com/anything', false],
    ['https://support.example.com:443/anything', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<b>x</b>', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(canFrame(url, dashboard)).toBe(expected);
  });
});
