import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** The demo shop's port (`SHOP_PORT`, default 3005): another origin than the api's, as a real site is. */
export const DEFAULT_SHOP_PORT = 3005;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A few lines of a shop's page with the one snippet an admin copies from Channels › Website. */
export function shopPage(apiUrl: string, channelId: string | null): string {
  const snippet = channelId
    ? `<script src="${escape(apiUrl)}/widget.js" data-channel="${escape(channelId)}" async></script>`
    : '<p><strong>No website channel yet:</strong> run <code>npm start</code> (it seeds one) or add one under Channels.</p>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley demo shop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2937}header{background:#111827;color:#fff;padding:16px 24px}
main{max-width:860px;margin:24px auto;padding:0 24px;display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
article{border:1px solid #e5e7eb;border-radius:12px;padding:16px}button{all:unset;background:#ef4444;color:#fff;padding:6px 12px;border-radius:6px}</style>
</head>
<body>
<header><h1>Demo shop</h1><p>Any page of any site: the chat bubble at the bottom is Parley's web widget.</p></header>
<main>
<article><h2>Linen shirt</h2><p>€39</p><button>Add to cart</button></article>
<article><h2>Leather bag</h2><p>€120</p><button>Add to cart</button></article>
<article><h2>Wool scarf</h2><p>€25</p><button>Add to cart</button></article>
</main>
${snippet}
</body>
</html>
`;
}

/** Serves the shop page; the channel is looked up per request, so a channel created later shows at once. */
export async function startShop(options: {
  port: number;
  apiUrl: string;
  channelId: () => Promise<string | null>;
}): Promise<Server & { url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/' && req.url !== '/index.html') {
      res.writeHead(404).end();
      return;
    }
    options.channelId().then(
      (id) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
        res.end(shopPage(options.apiUrl, id));
      },
      () => res.writeHead(503).end('the demo shop cannot reach the database'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(server, { url });
}
