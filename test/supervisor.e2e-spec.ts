import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from './support/http';
import { appPid, APPS, gone, output, startEnvironment, StartEnvironment } from './support/npm-start';
import { launch, Running } from './support/processes';
import { eventually } from './support/ws';

describe('the supervisor', () => {
  const runs: Running[] = [];
  afterAll(() => {
    for (const { child } of runs) if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL');
  });

  it('restarts a crashed program after delays that double up to the cap, leaves the others running, and a stop is never answered by a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-supervisor-'));
    writeFileSync(join(dir, 'crasher.js'), `console.error('disk on fire'); process.exit(3);`);
    writeFileSync(
      join(dir, 'steady.js'),
      `process.on('SIGTERM', () => { console.log('steady drained'); process.exit(0); }); setInterval(() => {}, 1000);`,
    );
    const supervisor = launch('supervisor', {}, [
      '--restart-base-ms=100',
      '--restart-max-ms=400',
      `crasher=${join(dir, 'crasher.js')}`,
      `steady=${join(dir, 'steady.js')}`,
    ]);
    runs.push(supervisor);
    const crashes = () =>
      supervisor.stderr.filter((line) => line.startsWith('parley-supervisor: crasher crashed'));
    await eventually(() => expect(crashes().length).toBeGreaterThanOrEqual(5), 15000);

    expect(crashes()[0]).toMatch(
      /^parley-supervisor: crasher crashed \(exit code 3\) after [\d.]+ s; its last words: disk on fire; restarting in 0\.1 s \(crash 1 in a row\)$/,
    );
    expect(
      crashes()
        .slice(0, 5)
        .map((line) => /restarting in ([\d.]+) s/.exec(line)![1]),
    ).toEqual(['0.1', '0.2', '0.4', '0.4', '0.4']);
    expect(supervisor.stdout.filter((line) => line === '[crasher] disk on fire')).toEqual([]);
    expect(supervisor.stderr).toContain('[crasher] disk on fire');
    // The steady one was started once and never touched.
    expect(supervisor.stderr.filter((line) => /^parley-supervisor: steady started/.test(line))).toHaveLength(
      1,
    );

    supervisor.child.kill('SIGTERM');
    expect(await supervisor.exit).toBe(143);
    const stop = supervisor.stderr.indexOf('parley-supervisor: SIGTERM: stopping steady');
    expect(stop).toBeGreaterThan(-1);
    expect(supervisor.stdout).toContain('[steady] steady drained');
    expect(supervisor.stderr.slice(stop)).toContain('parley-supervisor: steady stopped (exit code 0)');
    expect(supervisor.stderr.slice(stop).filter((line) => / started \(pid/.test(line))).toEqual([]);
  }, 30000);

  describe('under npm start', () => {
    let start: StartEnvironment;
    beforeAll(async () => {
      // Production: start.sh must not seed the demo workspace then.
      start = await startEnvironment({
        NODE_ENV: 'production',
        JWT_SECRET: 'a production secret of at least thirty-two characters',
        ENCRYPTION_KEY: 'another production secret of thirty-two characters',
      });
    });
    afterAll(async () => {
      await start?.close();
    });

    it('SIGKILL of api, ingest or worker restarts only that one within seconds, the other two keep answering, and no reply is lost', async () => {
      const run = start.start();
      await start.allReady();
      expect(run.stderr).toContain(
        'parley: NODE_ENV=production: no demo workspace (sign up your own: POST /api/v1/auth/signup)',
      );
      expect(run.stdout.join('\n')).not.toContain('demo workspace is ready');

      const signup = await new HttpClient(start.url('api')).post('/api/v1/auth/signup', {
        workspace_name: 'Supervised',
        name: 'Admin',
        email: 'admin@supervised.example.test',
        password: 'a long enough password',
      });
      expect(signup.status).toBe(201);
      const http = new HttpClient(start.url('api')).as(signup.body.access_token);
      const sim = start.simulator;
      const channel = await http.post('/api/v1/channels', {
        type: 'telegram',
        name: 'bot',
        bot_token: sim.newBotToken(),
      });
      expect(channel.status).toBe(201);
      const botId: string = channel.body.external_id;
      const customer = { id: 81001, first_name: 'Customer' };
      const write = (text: string) =>
        sim.postTelegramUpdate(botId, sim.telegramMessage(botId, customer, { text }));
      expect(await write('hello')).toBe(200);
      let conversationId = '';
      await eventually(async () => {
        const list = await http.get('/api/v1/conversations');
        expect(list.body.data).toHaveLength(1);
        conversationId = list.body.data[0].id;
      }, 10000);
      const replies: string[] = [];
      const reply = async (content: string) => {
        const res = await http.post(`/api/v1/message/conversation/${conversationId}/send-message/`, {
          content,
          type: 'support',
        });
        expect(res.status).toBe(201);
        replies.push(content);
      };

      for (const app of APPS) {
        const pid = appPid(run, app)!;
        const startsBefore = run.stderr.filter((line) =>
          line.startsWith(`parley-supervisor: ${app} started`),
        ).length;
        process.kill(pid, 'SIGKILL');
        await eventually(async () => expect(await start.readyz(app)).toBe(0), 5000);
        // While it is down, the other two answer and do their part.
        if (app === 'worker') for (let i = 0; i < 3; i++) await reply(`while the worker is down ${i}`);
        if (app === 'ingest') await reply('while ingest is down');
        if (app === 'api') expect(await write('while the api is down')).toBe(200);
        for (const other of APPS.filter((a) => a !== app))
          expect({ other, status: await start.readyz(other) }).toEqual({ other, status: 200 });
        // Those replies were accepted before the new worker even started.
        expect(
          run.stderr.filter((line) => line.startsWith(`parley-supervisor: ${app} started`)),
        ).toHaveLength(startsBefore);

        await eventually(async () => {
          expect(await start.readyz(app)).toBe(200);
        }, 20000);
        const restarted = appPid(run, app);
        expect(restarted).toBeDefined();
        expect(restarted).not.toBe(pid);
        expect(run.stderr).toContain(`parley-supervisor: ${app} started (pid ${restarted})`);
        expect(run.stderr.join('\n')).toMatch(
          new RegExp(
            `parley-supervisor: ${app} crashed \\(killed by SIGKILL\\) after [\\d.]+ s; restarting in 1 s \\(crash 1 in a row\\)`,
          ),
        );
      }

      // Every reply was sent exactly once; the customer's message written while the api was down is there.
      await eventually(async () => {
        const messages = (await http.get(`/api/v1/conversations/${conversationId}/messages?limit=50`)).body
          .data;
        for (const content of replies) {
          expect({
            content,
            status: messages.find((m: { content: string }) => m.content === content)?.status,
          }).toEqual({
            content,
            status: 'sent',
          });
          expect({
            content,
            sent: sim.sent('telegram', botId).filter((c) => c.body.text === content).length,
          }).toEqual({
            content,
            sent: 1,
          });
        }
        expect(messages.map((m: { content: string }) => m.content)).toContain('while the api is down');
      }, 30000);

      process.kill(run.child.pid!, 'SIGTERM');
      expect(await run.exit).toBe(143);
      await gone(run);
      expect(output(run)).not.toMatch(/Unhandled|\s{4}at \S+ \(/);
    }, 180000);
  });
});
