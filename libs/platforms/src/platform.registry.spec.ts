import { loadConfig } from '@parley/config/config';
import type { PlatformAdapter } from './platform';
import { PLATFORMS, PlatformRegistry } from './platform.registry';

const registry = () => new PlatformRegistry(loadConfig({}, '/nonexistent/.env'));
const adapterOf = (type: string) => ({ ...registry().adapter('telegram'), type }) as PlatformAdapter;

describe('PlatformRegistry', () => {
  it('registers every production platform under its own name', () => {
    const platforms = registry();
    expect(platforms.types()).toEqual(Object.keys(PLATFORMS));
    for (const type of Object.keys(PLATFORMS)) expect(platforms.adapter(type).type).toBe(type);
  });

  it('takes a new platform by registration', () => {
    const platforms = registry();
    platforms.register(adapterOf('line'));
    expect(platforms.find('line')?.type).toBe('line');
    expect(platforms.types()).toContain('line');
  });

  it.each([
    ['telegram', /registered twice/],
    ['Telegram', /must match/],
    ['a-platform-name-too-long', /must match/],
    ['we/bhooks', /must match/],
    ['', /must match/],
  ])('refuses to register %p', (type, message) => {
    expect(() => registry().register(adapterOf(type))).toThrow(message);
  });

  it('finds nothing for an unregistered type, and a stored channel of one is a deployment error', () => {
    expect(registry().find('nowhere')).toBeUndefined();
    expect(() => registry().adapter('nowhere')).toThrow(/no platform adapter .* nowhere/);
  });
});
