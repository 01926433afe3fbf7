import { contentSpamReason } from './spam.service';

const rules = {
  burstMessages: 8,
  burstSeconds: 10,
  repeatsAllowed: 3,
  maxLinks: 2,
  maxMentions: 3,
  patterns: ['free\\s+crypto'],
};

describe('contentSpamReason', () => {
  it.each([
    ['an ordinary message', 'Hi, where is my order #1042?', null],
    ['one link', 'see https://example.com/track', null],
    ['a link flood', 'https://a.io https://b.io www.c.io/x', /link flood \(3 links\)/],
    ['a mention flood', '@a @b @c @d hello', /mention flood \(4 mentions\)/],
    ['an email is not a mention', 'write to help@example.com', null],
    ['a configured pattern, any case', 'Get FREE   crypto now', /blocked pattern/],
    ['Persian text', 'سلام، سفارش من کجاست؟', null],
  ])('%s', async (_label, text, expected) => {
    const reason = await contentSpamReason(text, rules);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });

  it('ignores a stored pattern RE2 cannot run instead of failing', async () => {
    await expect(
      contentSpamReason('anything', { ...rules, patterns: ['(unclosed', '(?=x)'] }),
    ).resolves.toBeNull();
  });

  it('looks only at the first 4096 characters of a longer text', async () => {
    const padding = 'x'.repeat(4096);
    await expect(contentSpamReason(`${padding} free crypto`, rules)).resolves.toBeNull();
    await expect(contentSpamReason(`free crypto ${padding}`, rules)).resolves.toMatch(/blocked pattern/);
    const links = Array.from({ length: 3 }, (_, i) => `https://spam${i}.example`).join(' ');
    await expect(contentSpamReason(`${padding} ${links}`, rules)).resolves.toBeNull();
  });
});
