import { AppError } from '@parley/errors/app-error';
import { assertLength, cleanInboundText, cleanText } from './content';

describe('cleanText', () => {
  it.each([
    ['plain text stays', 'Hello, world', 'Hello, world'],
    ['Persian with its zero-width non-joiner stays', 'می‌خواهم', 'می‌خواهم'],
    ['an emoji ZWJ sequence stays', '👩‍💻 ok', '👩‍💻 ok'],
    ['newlines and tabs stay', 'a\n\tb', 'a\n\tb'],
    ['control characters go', 'a\u0000b\u0007c\u001Bd', 'abcd'],
    ['zero-width spaces and BOMs go', 'fr\u200Bee\uFEFF mo\u2060ney', 'free money'],
    ['a right-to-left override (filename spoofing) goes', 'invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['runs of joiners collapse to one', 'a\u200C\u200C\u200C\u200Cb', 'a\u200Cb'],
    ['HTML stays text, untouched', '<script>alert(1)</script>', '<script>alert(1)</script>'],
  ])('%s', (_label, input, output) => {
    expect(cleanText(input)).toBe(output);
  });

  it.each(['bad \uD800 surrogate', 'replacement \uFFFD char'])('refuses ill-formed text %p', (input) => {
    expect(() => cleanText(input)).toThrow(AppError);
  });

  it('repairs ill-formed inbound text instead of refusing it', () => {
    expect(cleanInboundText('ok \uD800 fine')).toBe('ok  fine');
  });
});

describe('assertLength', () => {
  it('allows the limit and refuses one more', () => {
    expect(() => assertLength('x'.repeat(1000), 1000, 'instagram')).not.toThrow();
    expect(() => assertLength('x'.repeat(1001), 1000, 'instagram')).toThrow(/message_too_long/);
  });
});
