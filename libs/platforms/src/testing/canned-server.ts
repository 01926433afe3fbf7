import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedAnswer {
  status: number;
  /** An object is sent as JSON; a string as it is (an HTML error page, say). */
  body: object | string;
  headers?: Record<string, string>;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP server standing in for a platform's API: it answers every request with the answer
 * set last and records what it was asked, so a spec drives the real HTTP client (grammy, axios).
 */
export class CannedServer {
  answer: CannedAnswer = { status: 200, body: {} };
  readonly seen: SeenRequest[] = [];
  private server?: Server;
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.seen.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        const { status, body, headers } = this.answer;
        const json = typeof body !== 'string';
        res
          .writeHead(status, {
            'content-type': json ? 'application/json' : 'text/html',
            ...headers,
          })
          .end(json ? JSON.stringify(body) : body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** An origin nothing listens on: a connection to it is refused. */
export async function refusingOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
