import { APPS, gone, output, startEnvironment, StartEnvironment } from './support/npm-start';
import { eventually } from './support/ws';

/** `npm start` itself (bash scripts/start.sh), with a platform configured, as a user runs it. */
describe('npm start', () => {
  let start: StartEnvironment;

  beforeAll(async () => {
    start = await startEnvironment();
  });
  afterAll(async () => {
    await start?.close();
  });

  it('runs twice with a platform configured: both come up (without rebuilding), and SIGTERM or Ctrl-C stop everything cleanly', async () => {
    // First run: creates the database, migrates, seeds the demo workspace.
    const first = start.start();
    await start.allReady();
    expect(first.stderr).toContain('parley: the build is up to date');
    expect(first.stdout).toContain('  Parley demo workspace is ready.');
    // The demo shop: its own origin, the demo website channel's snippet pointing at the api.
    const shopUrl = `http://127.0.0.1:${start.env.SHOP_PORT}/`;
    expect(first.stdout.some((line) => line.startsWith(`  Shop:     ${shopUrl}`))).toBe(true);
    let shop = '';
    await eventually(async () => {
      shop = await (await fetch(shopUrl)).text();
      expect(shop).toMatch(/data-channel="[0-9a-f-]{36}"/);
    }, 20000);
    expect(shop).toContain(`<script src="${start.url('api')}/widget.js"`);
    const loader = await fetch(`${start.url('api')}/widget.js`);
    expect(loader.status).toBe(200);
    expect(loader.headers.get('content-type')).toContain('javascript');
    // SIGTERM to start.sh alone, as `timeout` or a service manager sends it.
    process.kill(first.child.pid!, 'SIGTERM');
    expect(await first.exit).toBe(143);
    await gone(first);

    // Second run: the demo workspace exists, so the seed takes its fast path and closes at once.
    const second = start.start();
    await start.allReady();
    expect(second.stderr).toContain('parley: the build is up to date');
    expect(second.stdout).toContain('  Parley demo workspace is ready.');
    // Ctrl-C: the terminal signals the whole process group (and start.sh passes a SIGTERM on).
    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.exit).toBe(130);
    await gone(second);

    // Ctrl-C reaches the supervisor twice, as SIGINT from the terminal and as SIGTERM from start.sh;
    // whichever it handles first names the stop.
    for (const [run, signal] of [
      [first, 'SIGTERM'],
      [second, 'SIG(INT|TERM)'],
    ] as const) {
      const text = output(run);
      for (const app of APPS) {
        // Each drained once and exited 0, and was not restarted.
        expect(text.match(new RegExp(`parley-${app} received SIG\\w+: draining`, 'g'))).toHaveLength(1);
        expect(text).toContain(`parley-supervisor: ${app} stopped (exit code 0)`);
      }
      expect(text).toMatch(new RegExp(`parley-supervisor: ${signal}: stopping api, ingest, worker`));
      expect(text.match(/parley-supervisor: SIG\w+: stopping/g)).toHaveLength(1);
      expect(text).not.toMatch(
        /parley-supervisor: \w+ crashed|restarting in|seeding the demo workspace failed|Unhandled|\s{4}at \S+ \(/,
      );
    }
  }, 240000);
});
