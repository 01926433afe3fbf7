import { createHmac } from 'node:crypto';
import type { IceServersView } from '@parley/contract/calls';

export interface IceConfig {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string | null;
  turnTtlSeconds: number;
}

/**
 * STUN and TURN for one agent (or call-link customer). TURN credentials follow the TURN REST API
 * scheme coturn checks with `use-auth-secret`: username `<expiry unix seconds>:<user id>`,
 * credential base64(HMAC-SHA1(secret, username)); nothing is stored, and they expire by themselves.
 */
export function iceServersFor(config: IceConfig, userId: string, nowMs = Date.now()): IceServersView {
  const ice_servers: IceServersView['ice_servers'] = [];
  if (config.stunUrls.length) ice_servers.push({ urls: config.stunUrls });
  if (config.turnUrls.length && config.turnSecret) {
    const username = `${Math.floor(nowMs / 1000) + config.turnTtlSeconds}:${userId}`;
    const credential = createHmac('sha1', config.turnSecret).update(username).digest('base64');
    ice_servers.push({ urls: config.turnUrls, username, credential });
  }
  return { ice_servers, ttl_seconds: config.turnTtlSeconds };
}
