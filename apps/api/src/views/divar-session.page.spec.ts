import { escapeHtml, pageLocale, renderInvalidLinkPage, renderSessionPage } from './divar-session.page';

describe('the Divar session page', () => {
  it.each([
    [undefined, undefined, 'fa'],
    [undefined, 'de-DE,de;q=0.9', 'fa'],
    [undefined, 'en-US,en;q=0.9', 'en'],
    [undefined, 'de;q=1, ar;q=0.5, en;q=0.4', 'ar'],
    [undefined, 'en;q=0, ar', 'ar'],
    ['en', 'ar', 'en'],
    ['ar', undefined, 'ar'],
    ['xx', 'en', 'en'],
    [['en'], undefined, 'fa'],
  ])('?lang=%j with Accept-Language %j is %s', (lang, header, expected) => {
    expect(pageLocale(lang, header)).toBe(expected);
  });

  it('escapes what could end a text or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`=`)).toBe(
      '&lt;a href&#61;&quot;x&quot; onclick&#61;&#39;y&#39;&gt;&amp;&#96;&#61;',
    );
  });

  it('shows the channel name, the draft and the return URL as text, never as markup', () => {
    const html = renderSessionPage({
      locale: 'en',
      token: 'abc.def',
      status: { channelName: '<script>alert(1)</script>', conversation: null },
      completionUrl: 'https://open-platform-redirect.divar.ir/completion?a="b"',
      nonce: 'n'.repeat(22),
      sent: false,
      error: '<b>bad</b>',
      draft: '</textarea><script>x()</script>',
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<b>bad');
    expect(html).not.toContain('</textarea><script');
    expect(html).toContain('href="https://open-platform-redirect.divar.ir/completion?a&#61;&quot;b&quot;"');
    expect(html).toContain('<html lang="en" dir="ltr">');
  });

  it('says an expired link expired and a forged one is not valid, in the reader’s language', () => {
    expect(renderInvalidLinkPage('fa', true, '/divar/session/x')).toContain('منقضی شده');
    expect(renderInvalidLinkPage('en', false, '/divar/session/x')).toContain('This link is not valid.');
    expect(renderInvalidLinkPage('ar', false, '/divar/session/x')).toContain('dir="rtl"');
  });
});
