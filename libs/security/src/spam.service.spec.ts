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
  ])('%s', (_label, text, expected) => {
    const reason = contentSpamReason(text, rules);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });

  it('ignores an invalid admin pattern instead of failing', () => {
    expect(contentSpamReason('anything', { ...rules, patterns: ['(unclosed'] })).toBeNull();
  });
});
