import { createServer } from 'node:http';
import type { Frame, Locator, Page } from 'playwright-core';
import { freePort } from './app';
import { eventually } from './ws';

/**
 * A business's site for the widget's browser tests: a page with the snippet, served on its own
 * port (another origin than the api). `allowed` is the origin a channel lets in; `stranger` is the
 * same server by another name (`localhost`), so another origin.
 */
export interface WidgetHost {
  allowed: string;
  stranger: string;
  close(): void;
}

/**
 * The page takes `data-*` attributes from its query (language, a user's identity), and the channel
 * from `?channel=` when a test embeds another channel than the default one.
 */
export async function serveWidgetHost(apiUrl: string, defaultChannel: () => string): Promise<WidgetHost> {
  const port = await freePort();
  const allowed = `http://127.0.0.1:${port}`;
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', allowed).searchParams;
    const extra = [...query]
      .filter(([name]) => /^(language|user-[a-z]+)$/.test(name))
      .map(([name, value]) => ` data-${name}="${value.replace(/"/g, '&quot;')}"`)
      .join('');
    const channel = (query.get('channel') ?? defaultChannel()).replace(/[^0-9a-f-]/gi, '');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<style>button{background:red!important} iframe{display:none!important} *{font-size:40px!important}</style></head>
<body><h1>Acme shop</h1>
<script src="${apiUrl}/widget.js" data-channel="${channel}"${extra} async></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { allowed, stranger: `http://localhost:${port}`, close: () => server.close() };
}

/** The chat frame of a page, once the bubble was pressed (or the loader created it for a returning visitor). */
export async function chatFrame(page: Page): Promise<Frame> {
  const find = () => page.frames().find((f) => f.url().includes('/widget/frame.html'));
  await eventually(() => expect(find()).toBeDefined(), 10_000);
  const frame = find()!;
  await frame.locator('html[data-state="ready"]').waitFor();
  return frame;
}

/**
 * A press of a button in the chat frame. Playwright cannot hit-test inside a frame that sits in a
 * shadow root ("Object not disposable"), so the click event is dispatched to the button itself.
 */
export const press = (button: Locator) => button.dispatchEvent('click');

/** The widget's bubble on the host page (inside the loader's shadow root). */
export const bubble = (page: Page) => page.locator('[data-parley-widget]').locator('[data-parley="bubble"]');
