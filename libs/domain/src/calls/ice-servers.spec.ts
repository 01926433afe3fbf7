import { createHmac } from 'node:crypto';
import { iceServersFor } from './ice-servers';

const base = { stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 600 };

describe('iceServersFor', () => {
  it('mints TURN REST API credentials: <expiry>:<user id>, base64 HMAC-SHA1 of it with the shared secret', () => {
    const now = Date.UTC(2026, 0, 1);
    const view = iceServersFor(
      { ...base, turnUrls: ['turn:turn.example:3478?transport=udp'], turnSecret: 'north-wind-secret-0123' },
      'agent-1',
      now,
    );
    const expiry = now / 1000 + 600;
    expect(view.ice_servers).toEqual([
      {
        urls: ['turn:turn.example:3478?transport=udp'],
        username: `${expiry}:agent-1`,
        credential: createHmac('sha1', 'north-wind-secret-0123').update(`${expiry}:agent-1`).digest('base64'),
      },
    ]);
    expect(view.ttl_seconds).toBe(600);
  });

  it('lists STUN servers without credentials', () => {
    expect(iceServersFor({ ...base, stunUrls: ['stun:stun.example:3478'] }, 'a').ice_servers).toEqual([
      { urls: ['stun:stun.example:3478'] },
    ]);
  });

  it('hands out no TURN server without a secret, and nothing at all when none is configured', () => {
    expect(iceServersFor({ ...base, turnUrls: ['turn:t.example'] }, 'a').ice_servers).toEqual([]);
    expect(iceServersFor(base, 'a').ice_servers).toEqual([]);
  });
});
