import type Redis from 'ioredis';

/**
 * A sliding-window log in one sorted set, checked and updated atomically in Redis (so every
 * instance shares one budget): drop entries older than the window, count, add if under the limit.
 * Returns 0 when allowed, else the milliseconds until the oldest entry leaves the window.
 * With `add` false it only checks (for budgets spent after the fact).
 */
const SCRIPT = `
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local add = ARGV[5] ~= '0'
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  if add then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
  end
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

export async function slidingWindow(
  redis: Redis,
  key: string,
  limit: number,
  windowMs: number,
  member: string,
  add = true,
): Promise<number> {
  return Number(await redis.eval(SCRIPT, 1, key, Date.now(), windowMs, limit, member, add ? '1' : '0'));
}

/** Entries in the window without adding one (for stats). */
export async function windowCount(redis: Redis, key: string, windowMs: number): Promise<number> {
  return redis.zcount(key, Date.now() - windowMs, '+inf');
}
