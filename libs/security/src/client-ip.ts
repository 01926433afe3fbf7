import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The trust rule for X-Forwarded-For (TRUST_PROXY, validated by the config): a hop count, "false",
 * or the proxies' IPs/CIDRs. The same function serves Express (`trust proxy`) and raw upgrades.
 */
export function trustFunction(setting: string): (address: string, hop: number) => boolean {
  if (setting === 'false') return () => false;
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    return (_address, hop) => hop < hops;
  }
  return proxyaddr.compile(setting.split(',').map((s) => s.trim()));
}

/** The client's address for a raw request (the WebSocket upgrade), honouring trusted proxies. */
export function clientIp(request: IncomingMessage, trust: (address: string, hop: number) => boolean): string {
  return proxyaddr(request, trust).replace(/^::ffff:/, '');
}
