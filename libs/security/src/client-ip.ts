import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** The same trust rule Express applies (TRUST_PROXY: true, false, or proxy-addr names like "loopback"). */
export function trustFunction(setting: string): (address: string, hop: number) => boolean {
  if (setting === 'true') return () => true;
  if (setting === 'false') return () => false;
  return proxyaddr.compile(setting.split(',').map((s) => s.trim()));
}

/** The client's address for a raw request (the WebSocket upgrade), honouring trusted proxies. */
export function clientIp(request: IncomingMessage, trust: (address: string, hop: number) => boolean): string {
  return proxyaddr(request, trust).replace(/^::ffff:/, '');
}
