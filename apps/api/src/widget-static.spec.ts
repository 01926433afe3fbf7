import { widgetFrameCsp } from './widget-static';

describe("the chat frame's CSP", () => {
  it("lets only the channel's allowed origins frame it", () => {
    const csp = widgetFrameCsp(['https://shop.example', 'http://127.0.0.1:3005']);
    expect(csp).toContain('frame-ancestors https://shop.example http://127.0.0.1:3005');
    expect(csp).toContain("script-src 'self'");
  });

  it('lets nobody frame an unknown channel’s frame', () => {
    expect(widgetFrameCsp(null)).toContain("frame-ancestors 'none'");
    expect(widgetFrameCsp([])).toContain("frame-ancestors 'none'");
  });

  it('never writes anything but an origin into the header', () => {
    const csp = widgetFrameCsp(["https://a.example; script-src 'unsafe-inline'", 'https://ok.example', '*']);
    expect(csp).toContain('frame-ancestors https://ok.example');
    expect(csp).not.toContain('unsafe-inline');
    expect(csp.split('; ').filter((d) => d.startsWith('script-src'))).toEqual(["script-src 'self'"]);
  });
});
