import { appFrameSources, dashboardCsp } from './dashboard';

describe("the dashboard's frame-src (apps' panels)", () => {
  it.each([
    [{ allowHttp: false, allowLoopbackHttp: false }, 'https:'],
    [{ allowHttp: false, allowLoopbackHttp: true }, 'https: http://localhost:* http://127.0.0.1:*'],
    [{ allowHttp: true, allowLoopbackHttp: false }, 'https: http:'],
  ])('frames exactly where an action may point: %j', (rules, sources) => {
    expect(appFrameSources(rules)).toBe(sources);
    expect(dashboardCsp(rules)).toContain(`frame-src ${sources}`);
  });

  it('keeps the rest of the policy: no framing of the dashboard, only its own scripts', () => {
    const csp = dashboardCsp({ allowHttp: false, allowLoopbackHttp: false });
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/frame-src[^;]*\*(?!:)/);
  });
});
