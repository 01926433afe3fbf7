import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';

/**
 * The floor of an http→ws relay, run as a process of its own like ingest is: checks the secret
 * header, parses the webhook's JSON, sends a small frame with the message's text to every
 * connected socket, answers 200. No database, no queue: what any relay must at least do.
 */
function serve(secret: string): Promise<number> {
  const wss = new WebSocketServer({ noServer: true });
  let seq = 0;
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers['x-telegram-bot-api-secret-token'] !== secret) {
        res.statusCode = 403;
        return res.end('{"ok":false}');
      }
      let update: { update_id?: unknown; message?: { text?: string } };
      try {
        update = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        res.statusCode = 400;
        return res.end('{"ok":false}');
      }
      const frame = JSON.stringify({
        type: 'conversation_updated',
        seq: ++seq,
        conversation: { last_message_preview: update.message?.text ?? '' },
        changes: ['last_message'],
      });
      for (const client of wss.clients) client.send(frame);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  http.keepAliveTimeout = 60000;
  http.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => ws.send('{"type":"ready"}')),
  );
  return new Promise((resolve) =>
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
  );
}

export interface RawRelay {
  url: string;
  ws: string;
  stop(): Promise<void>;
}

/** Starts the relay as a child process (the built copy of this file) and returns its address. */
export async function startRawRelay(secret: string): Promise<RawRelay> {
  const child = spawn(process.execPath, [__filename], {
    env: { PATH: process.env.PATH ?? '', RAW_RELAY_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await Promise.race([
    (async () => {
      for await (const l of createInterface({ input: child.stdout! })) return [l];
      return [''];
    })(),
    new Promise<string[]>((_, reject) => child.once('exit', () => reject(new Error('raw relay exited')))),
  ]);
  const port = Number(line);
  if (!port) throw new Error(`raw relay did not start: ${line}`);
  return {
    url: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (require.main === module) {
  void serve(process.env.RAW_RELAY_SECRET ?? '').then((port) => process.stdout.write(`${port}\n`));
}
