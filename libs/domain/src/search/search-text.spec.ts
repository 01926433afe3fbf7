import { highlight, isPlainQuery, normalizeSearchText, queryTerms } from './search-text';

const marked = (field: 'content', text: string, q: string) => {
  const found = highlight(field, text, queryTerms(q));
  return found.ranges.map(([s, e]) => found.text.slice(s, e));
};

describe('search text', () => {
  it.each([
    ['كتاب', 'کتاب'],
    ['می‌خواهم', 'میخواهم'],
    ['می خواهم', 'میخواهم'],
    ['نمی  خواهم', 'نمیخواهم'],
    ['کتاب ها', 'کتابها'],
    ['کتاب های خوب', 'کتابهای خوب'],
    ['مُحَمَّد', 'محمد'],
    ['۱۲۳٤٥٦', '123456'],
    ['ABC', 'abc'],
    ['ها', 'ها'],
    ['میراث', 'میراث'],
  ])('folds %j to %j', (input, output) => {
    expect(normalizeSearchText(input)).toBe(output);
  });

  it.each([
    ['plain words', 'کتاب خوب', true],
    ['a phrase', '"کتاب خوب"', false],
    ['or', 'a or b', false],
    ['OR', 'a OR b', false],
    ['a negation', 'a -b', false],
  ])('tells whether a query with %s is plain words (%s)', (_label, query, plain) => {
    expect(isPlainQuery(query)).toBe(plain);
  });

  it('marks the words searched for in the text as written, the last one as a prefix', () => {
    expect(marked('content', 'Order 12 for كتابها and Books', 'کتاب‌ها bo')).toEqual(['كتابها', 'Books']);
    expect(marked('content', 'مُحَمَّدٌ آمد', 'محمد')).toEqual(['مُحَمَّدٌ']);
    expect(marked('content', 'سفارش ۱۲۳۴ رسید', '1234')).toEqual(['۱۲۳۴']);
    expect(marked('content', 'not -this but that', 'that -this')).toEqual(['that']);
  });

  it('marks words after an emoji at the right offsets', () => {
    expect(marked('content', '😀😀 سلام 😀 hello', 'سلام hello')).toEqual(['سلام', 'hello']);
  });

  it('cuts a long text to a window around the first match, with ellipses, ranges on the window', () => {
    const text = `${'lorem ipsum '.repeat(30)}needle ${'dolor sit '.repeat(30)}`;
    const found = highlight('content', text, queryTerms('needle'));
    expect(found.text.startsWith('…')).toBe(true);
    expect(found.text.endsWith('…')).toBe(true);
    expect(found.text.length).toBeLessThanOrEqual(182);
    expect(found.ranges.map(([s, e]) => found.text.slice(s, e))).toEqual(['needle']);
  });

  it('answers a text without matches whole or from its start', () => {
    expect(highlight('content', 'short', queryTerms('zzz'))).toEqual({
      field: 'content',
      text: 'short',
      ranges: [],
    });
  });
});
