import { networkInterfaces } from 'node:os';
import { freshEnvironment, TestEnvironment } from './support/app';
import { launch, listeningPort, Running } from './support/processes';

/** This machine's first non-loopback IPv4 address, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Outside production, a process with the public development secret is reachable from this machine only. */
describe('where the processes listen', () => {
  let environment: TestEnvironment;
  const children: Running[] = [];
  const start = (extra: Record<string, string>) => {
    const { JWT_SECRET: _secret, ...env } = environment.env;
    const running = launch('api', { ...env, LOG_LEVEL: 'info', API_PORT: '0', ...extra });
    children.push(running);
    return running;
  };

  beforeAll(async () => {
    environment = await freshEnvironment();
  });
  afterAll(async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    await environment.close();
  });

  it('binds to 127.0.0.1 by default outside production', async () => {
    const running = start({});
    const port = await listeningPort(running);
    expect(running.stdout.join('\n')).toContain('bound to 127.0.0.1');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    if (outsideAddress) {
      await expect(fetch(`http://${outsideAddress}:${port}/healthz`)).rejects.toThrow();
    }
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  }, 30000);

  it('refuses to listen beyond loopback with the development secret, in one clear line', async () => {
    const running = start({ BIND_HOST: '0.0.0.0' });
    expect(await running.exit).toBe(1);
    expect(running.stderr).toEqual([
      'parley-api: invalid configuration: JWT_SECRET is required to listen on 0.0.0.0 (without it Parley uses a public development secret)',
    ]);
  });

  it('listens where BIND_HOST says when a real secret is set', async () => {
    const running = start({ BIND_HOST: '0.0.0.0', JWT_SECRET: 's'.repeat(40) });
    const port = await listeningPort(running);
    if (outsideAddress) expect((await fetch(`http://${outsideAddress}:${port}/healthz`)).status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  }, 30000);
});
