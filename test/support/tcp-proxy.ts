import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Commands (RESP) the client has sent, lower-case, for `stallRepliesAfter`. */
  commands: string[];
  held: Buffer[] | null;
}

/**
 * A TCP proxy in front of the shared Postgres or Redis that a test can switch off and on, so a
 * dependency can be absent, go away or stall without stopping the server other test files use.
 * Switched off it keeps its port (nobody else can take it) but resets every connection at once,
 * as a server that is gone does, and cuts the open ones.
 */
export class TcpProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private up = true;
  private stall: { command: string; count: number } | null = null;
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    options: { down?: boolean } = {},
  ) {
    this.up = !options.down;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The dependency is gone: open connections are cut, new ones reset. */
  down(): void {
    this.up = false;
    for (const pair of this.pairs) this.cut(pair);
  }

  /** The dependency is back. */
  restore(): void {
    this.up = true;
  }

  /**
   * A server that answers a connection's first commands, then no more: once a client has sent
   * `command` for the `count`-th time on one connection, replies on it are held (until `down`).
   */
  stallRepliesAfter(command: string, count: number): void {
    this.stall = { command: command.toLowerCase(), count };
  }

  async stop(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (!this.up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream, commands: [], held: null };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (this.stall) {
        // RESP arrays: *<n>\r\n$<len>\r\n<command>\r\n…
        for (const match of chunk.toString('latin1').matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g))
          pair.commands.push(match[1].toLowerCase());
        const seen = pair.commands.filter((c) => c === this.stall!.command).length;
        if (seen >= this.stall.count && !pair.held) pair.held = [];
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.held) pair.held.push(chunk);
      else client.write(chunk);
    });
    const close = () => this.cut(pair);
    client.on('close', close);
    upstream.on('close', close);
  }

  private cut(pair: Pair): void {
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.upstream.destroy();
  }
}
